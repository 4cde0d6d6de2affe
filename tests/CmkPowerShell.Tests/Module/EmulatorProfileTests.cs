using System;
using System.IO;
using CmkPowerShell.Connection;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Tests.Module
{
    public sealed class EmulatorProfileTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("cmk-profile-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private string Write(string json)
        {
            var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, json);
            return path;
        }

        [Fact]
        public void Reads_every_field_the_connection_needs()
        {
            var path = Write("""
                { "resourceManagerEndpoint": "https://127.0.0.1:5443/", "authorityHost": "https://127.0.0.1:5443/tenant/",
                  "certificateThumbprint": "AB12", "tenantId": "11111111-1111-1111-1111-111111111111",
                  "subscriptionId": "22222222-2222-2222-2222-222222222222", "accessToken": "eyJ.x.y", "extra": 1 }
                """);
            var profile = EmulatorProfile.Load(path);
            Assert.Equal(new Uri("https://127.0.0.1:5443/"), profile.ResourceManagerEndpoint);
            Assert.Equal(new Uri("https://127.0.0.1:5443/tenant/"), profile.AuthorityHost);
            Assert.Equal("AB12", profile.CertificateThumbprint);
            Assert.Equal("11111111-1111-1111-1111-111111111111", profile.TenantId);
            Assert.Equal("22222222-2222-2222-2222-222222222222", profile.SubscriptionId);
            Assert.Equal("eyJ.x.y", profile.AccessToken);
        }

        [Fact]
        public void Accepts_the_short_spellings_in_any_case()
        {
            var profile = EmulatorProfile.Load(Write("""
                { "Endpoint": "https://localhost:1/", "Thumbprint": "CD", "Tenant": "t", "Subscription": "s", "Token": "k" }
                """));
            Assert.Equal("CD", profile.CertificateThumbprint);
            Assert.Equal("k", profile.AccessToken);
            Assert.Null(profile.AuthorityHost);
        }

        [Fact]
        public void A_missing_file_is_ObjectNotFound_on_that_path()
        {
            var path = Path.Combine(_dir, "absent.json");
            var ex = Assert.ThrowsAny<CmkException>(() => EmulatorProfile.Load(path));
            Assert.Equal(EmulatorProfile.NotFoundErrorId, ex.ErrorId);
            Assert.Equal(CmkErrorCategory.ObjectNotFound, ex.Category);
            Assert.Equal(path, ex.Target);
            Assert.False(string.IsNullOrEmpty(ex.RecommendedAction));
        }

        [Theory]
        [InlineData("not json", "not valid JSON")]
        [InlineData("[1]", "not valid JSON")]
        [InlineData("""{ "endpoint": "http://127.0.0.1:1/", "thumbprint": "a", "tenant": "t", "subscription": "s", "token": "k" }""", "https")]
        [InlineData("""{ "endpoint": "https://127.0.0.1:1/", "tenant": "t", "subscription": "s", "token": "k" }""", "certificateThumbprint")]
        [InlineData("""{ "endpoint": "https://127.0.0.1:1/", "thumbprint": "a", "tenant": "t", "subscription": "s", "token": "" }""", "accessToken")]
        public void A_broken_profile_is_InvalidData_saying_why(string json, string why)
        {
            var path = Write(json);
            var ex = Assert.ThrowsAny<CmkException>(() => EmulatorProfile.Load(path));
            Assert.Equal(EmulatorProfile.InvalidErrorId, ex.ErrorId);
            Assert.Equal(CmkErrorCategory.InvalidData, ex.Category);
            Assert.Equal(path, ex.Target);
            Assert.Contains(why, ex.Message);
        }
    }
}
