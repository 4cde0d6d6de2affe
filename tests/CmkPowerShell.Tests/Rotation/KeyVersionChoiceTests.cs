using System;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Rotation
{
    /// <summary>Which version Update-AzCmkKeyVersion picks from a key's version list: pure logic, no Azure.</summary>
    public class KeyVersionChoiceTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        private static string V(int n) => n.ToString("x32");

        private static CmkKeyVersionInfo Version(int n, int createdDaysAgo, bool enabled = true, DateTimeOffset? nbf = null,
            DateTimeOffset? exp = null, bool current = false)
            => new CmkKeyVersionInfo(V(n), Now.AddDays(-createdDaysAgo), enabled, nbf, exp, current);

        [Fact]
        public void The_newest_usable_version_wins_whatever_the_list_order()
        {
            var choice = CmkKeyVersionChoice.Select(new[] { Version(1, 30), Version(3, 1), Version(2, 10) }, Now);
            Assert.Equal(V(3), choice.Chosen!.Version);
            Assert.Empty(choice.PassedOver);
            Assert.Equal(new[] { V(3), V(2), V(1) }, choice.NewestFirst.Select(v => v.Version));
        }

        [Theory]
        [InlineData("disabled", "disabled", CheckIds.KeyEnabled)]
        [InlineData("future", "not active until 2026-03-02 12:00 UTC", CheckIds.KeyActive)]
        [InlineData("expired", "expired on 2026-02-28 12:00 UTC", CheckIds.KeyNotExpired)]
        public void A_newer_unusable_version_is_passed_over_with_its_reason(string kind, string reason, string check)
        {
            var newest = kind switch
            {
                "disabled" => Version(3, 1, enabled: false),
                "future" => Version(3, 1, nbf: Now.AddDays(1)),
                _ => Version(3, 1, exp: Now.AddDays(-1)),
            };
            var choice = CmkKeyVersionChoice.Select(new[] { Version(2, 10), newest }, Now);
            Assert.Equal(V(2), choice.Chosen!.Version);
            var (passed, why) = Assert.Single(choice.PassedOver);
            Assert.Equal(V(3), passed.Version);
            Assert.Equal(reason, why);
            Assert.Equal(check, passed.FailedCheck(Now));
        }

        [Fact]
        public void No_usable_version_chooses_none_and_passes_over_all()
        {
            var choice = CmkKeyVersionChoice.Select(new[] { Version(1, 10, enabled: false), Version(2, 1, exp: Now) }, Now);
            Assert.Null(choice.Chosen);
            Assert.Equal(new[] { V(2), V(1) }, choice.PassedOver.Select(p => p.Version.Version));
        }

        [Fact]
        public void Boundaries_nbf_now_is_active_and_exp_now_is_expired()
        {
            Assert.Null(Version(1, 1, nbf: Now).Unusable(Now));
            Assert.NotNull(Version(1, 1, exp: Now).Unusable(Now));
            Assert.Null(Version(1, 1, exp: Now.AddSeconds(1)).Unusable(Now));
        }

        [Fact]
        public void Equal_creation_times_are_broken_by_the_keys_current_version()
        {
            var choice = CmkKeyVersionChoice.Select(new[] { Version(1, 1, current: true), Version(2, 1) }, Now);
            Assert.Equal(V(1), choice.Chosen!.Version);
            Assert.True(choice.IsNewer(V(1), V(2)));
            Assert.False(choice.IsNewer(V(2), V(1)));
        }

        [Fact]
        public void A_version_body_is_read_from_the_management_plane_shape()
        {
            var json = JsonNode.Parse("""
                {
                  "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/keys/cmk/versions/ABCDEF0123456789abcdef0123456789",
                  "name": "abcdef0123456789abcdef0123456789",
                  "properties": {
                    "attributes": { "enabled": false, "created": 1767225600, "nbf": 1767225600, "exp": 1798761600 },
                    "keyUri": "https://kv.vault.azure.net:443/keys/cmk",
                    "keyUriWithVersion": "https://kv.vault.azure.net:443/keys/cmk/ABCDEF0123456789abcdef0123456789"
                  }
                }
                """)!.AsObject();
            var info = CmkKeyVersionInfo.FromJson(json, "abcdef0123456789ABCDEF0123456789")!;
            Assert.Equal("abcdef0123456789abcdef0123456789", info.Version);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), info.Created);
            Assert.False(info.Enabled);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1798761600), info.Expires);
            Assert.True(info.IsCurrent);
        }
    }
}
