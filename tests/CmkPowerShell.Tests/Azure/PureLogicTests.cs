using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using CmkPowerShell.Core.Azure;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Tests.Azure
{
    public class CertificatePinTests
    {
        private static X509Certificate2 SelfSigned(string name)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        }

        private static string Sha256(X509Certificate2 c) => Convert.ToHexString(SHA256.HashData(c.RawData));

        [Fact]
        public void Sha1_and_sha256_pins_match_in_any_spelling()
        {
            using var cert = SelfSigned("pinned");
            var sha1 = cert.Thumbprint; // upper-case hex
            var spaced = string.Join(" ", Enumerable.Range(0, sha1.Length / 2).Select(i => sha1.Substring(i * 2, 2))).ToLowerInvariant();
            var colons = string.Join(":", Enumerable.Range(0, 32).Select(i => Sha256(cert).Substring(i * 2, 2)));

            Assert.True(new CertificatePin(sha1).Matches(cert));
            Assert.True(new CertificatePin(spaced).Matches(cert));
            Assert.True(new CertificatePin(colons.ToLowerInvariant()).Matches(cert));
        }

        [Fact]
        public void An_invalid_chain_is_accepted_only_for_the_pinned_certificate()
        {
            using var pinned = SelfSigned("pinned");
            using var other = SelfSigned("other");
            var pin = new CertificatePin(Sha256(pinned));

            Assert.True(pin.Validate(pinned, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(pin.Validate(other, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(pin.Validate(null, SslPolicyErrors.RemoteCertificateNotAvailable));
            // A chain that validates normally needs no pin.
            Assert.True(pin.Validate(other, SslPolicyErrors.None));
        }

        [Theory]
        [InlineData("")]
        [InlineData("not-hex-at-all-not-hex-at-all-not-hex-at")]
        [InlineData("ABCDEF")]
        public void A_thumbprint_that_can_never_match_is_refused(string thumbprint)
        {
            var ex = Assert.ThrowsAny<CmkException>(() => new CertificatePin(thumbprint));
            Assert.Equal("InvalidCertificateThumbprint", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.InvalidArgument, ex.Category);
        }
    }

    public class TokenClaimsTests
    {
        [Fact]
        public void Reads_expiry_and_who_from_a_jwt()
        {
            var exp = DateTimeOffset.UtcNow.AddMinutes(42);
            var claims = TokenClaims.TryParse(TestTokens.Jwt(oid: "o-1", upn: null, expires: exp, appid: "app-1"))!;
            Assert.Equal(exp.ToUnixTimeSeconds(), claims.ExpiresOn!.Value.ToUnixTimeSeconds());
            Assert.Equal("o-1", claims.ObjectId);
            Assert.Equal("app-1", claims.Account); // no upn: the application id names a service principal
            Assert.Equal(FakeArm.TenantId, claims.TenantId);

            Assert.Equal("admin@contoso.test", TokenClaims.TryParse(TestTokens.Jwt())!.Account);
            Assert.Equal("o-2", TokenClaims.TryParse(TestTokens.Jwt(oid: "o-2", upn: null))!.Account);
        }

        [Theory]
        [InlineData("opaque-token")]
        [InlineData("a.b!!.c")]
        [InlineData("")]
        public void An_opaque_token_has_no_claims(string token) => Assert.Null(TokenClaims.TryParse(token));
    }

    public class RedactionTests
    {
        [Fact]
        public void Query_values_are_masked_except_known_harmless_ones()
        {
            var text = Redaction.PathAndQuery(new Uri("https://h/x/y?api-version=2026-02-01&sig=SECRETSIG&%24skiptoken=abc&se=2030"));
            Assert.Equal("/x/y?api-version=2026-02-01&sig=REDACTED&%24skiptoken=REDACTED&se=REDACTED", text);
            Assert.Equal("/plain/path", Redaction.PathAndQuery("/plain/path"));
        }
    }

    public class ApiVersionPinTests
    {
        [Fact]
        public void Every_type_pinned_on_ArmClient_agrees_with_the_path_rule()
        {
            foreach (var (type, version) in ApiVersions.PinnedResourceTypes)
            {
                var rt = new ResourceType(type);
                if (rt.Namespace.Equals("Microsoft.Resources", StringComparison.OrdinalIgnoreCase)) continue;
                var path = "/subscriptions/s/resourceGroups/g/providers/" + rt.Namespace + "/" + string.Join("/", rt.Type.Split('/').Select(t => t + "/n"));
                Assert.True(version == ApiVersions.ForPath(path), $"{type}: pinned {version}, path rule gives {ApiVersions.ForPath(path)}");
            }
        }

        [Fact]
        public void A_type_pinned_apart_from_its_provider_gets_its_own_version()
        {
            // Microsoft.DocumentDB: managed Cassandra at 2025-10-15, database accounts at 2024-05-15 (INDEX.md sections 4 and 15).
            Assert.Equal(ApiVersions.CosmosDb, ApiVersions.ForPath("/subscriptions/s/resourceGroups/g/providers/Microsoft.DocumentDB/databaseAccounts/a"));
            Assert.Equal(ApiVersions.ManagedCassandra, ApiVersions.ForPath("/subscriptions/s/resourceGroups/g/providers/Microsoft.DocumentDB/cassandraClusters/c/dataCenters/dc1"));
            Assert.NotEqual(ApiVersions.CosmosDb, ApiVersions.ManagedCassandra);
        }

        [Fact]
        public void Subscriptions_and_generic_lists_use_their_own_versions()
        {
            Assert.Equal(ApiVersions.Resources, ApiVersions.ForPath("/subscriptions"));
            Assert.Equal(ApiVersions.Resources, ApiVersions.ForPath("/subscriptions/s/resourceGroups/g"));
            Assert.Equal(ApiVersions.GenericResourceList, ApiVersions.ForPath("/subscriptions/s/resources"));
            Assert.Equal(ApiVersions.KeyVault, ApiVersions.ForPath("/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v/keys/k/versions"));
        }
    }

    public class TokenBucketTests
    {
        [Fact]
        public void Bursts_then_paces_at_the_refill_rate()
        {
            var now = TimeSpan.Zero;
            var bucket = new TokenBucket(new TokenBucketRate(3, 10), () => now);
            Assert.Equal(TimeSpan.Zero, bucket.Reserve());
            Assert.Equal(TimeSpan.Zero, bucket.Reserve());
            Assert.Equal(TimeSpan.Zero, bucket.Reserve());
            // Empty: the 4th waits one refill (100 ms), the 5th two.
            Assert.Equal(100, bucket.Reserve().TotalMilliseconds, 3);
            Assert.Equal(200, bucket.Reserve().TotalMilliseconds, 3);
            now = TimeSpan.FromSeconds(10); // refills, but never above the burst
            Assert.Equal(3, bucket.Available, 3);
        }

        [Fact]
        public void A_server_saying_zero_remaining_drains_the_bucket()
        {
            var now = TimeSpan.Zero;
            var limiter = new ThrottleLimiter(new TokenBucketRate(250, 25), new TokenBucketRate(200, 10), () => now);
            Assert.True(limiter.WaitAsync("sub", isRead: false, CancellationToken.None).IsCompleted);
            limiter.Exhausted("sub", isRead: false);
            var wait = limiter.WaitAsync("sub", isRead: false, CancellationToken.None);
            Assert.False(wait.IsCompleted); // must wait ~100 ms for the next write token
            // Reads of the same subscription and writes of another one are separate budgets.
            Assert.True(limiter.WaitAsync("sub", isRead: true, CancellationToken.None).IsCompleted);
            Assert.True(limiter.WaitAsync("other", isRead: false, CancellationToken.None).IsCompleted);
        }
    }

    public class CmkParallelTests
    {
        [Fact]
        public async Task Keeps_order_and_bounds_concurrency()
        {
            int running = 0, peak = 0;
            var results = await CmkParallel.ForEachAsync(Enumerable.Range(0, 40), 4, async (i, ct) =>
            {
                var now = Interlocked.Increment(ref running);
                lock (this) peak = Math.Max(peak, now);
                await Task.Delay(5 + (40 - i) % 7, ct);
                Interlocked.Decrement(ref running);
                return i * 2;
            }, CancellationToken.None);

            Assert.Equal(Enumerable.Range(0, 40).Select(i => i * 2), results);
            Assert.InRange(peak, 2, 4);
        }

        [Fact]
        public async Task The_first_failure_stops_the_rest_and_is_the_one_reported()
        {
            var started = new ConcurrentBag<int>();
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => CmkParallel.ForEachAsync(Enumerable.Range(0, 100), 2, async (i, ct) =>
            {
                started.Add(i);
                await Task.Delay(2, ct);
                if (i == 3) throw new InvalidOperationException("boom");
                return i;
            }, CancellationToken.None));
            Assert.Equal("boom", ex.Message);
            Assert.True(started.Count < 100);
        }
    }
}
