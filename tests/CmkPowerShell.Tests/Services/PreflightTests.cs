using System.Linq;
using System.Threading.Tasks;
using CmkPowerShell.Core.Requirements;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>
    /// The pre-creation preflight (Test-AzCmkKeyVault -Service -Location -UserAssignedIdentityId [-Sku]) for every adapter,
    /// the existing ones too: each profile's vault, key and SKU rules are run before the resource exists, nothing is written.
    /// </summary>
    public class PreflightTests : ServiceEmulatorTest
    {
        [Fact]
        public async Task Every_service_checks_the_vault_the_key_and_its_sku_before_the_resource_exists()
        {
            foreach (var adapter in CmkServiceAdapter.All)
            {
                var profile = adapter.Requirements;
                var sku = profile.SupportedSkus?.First();

                var nopurge = (await PreflightAsync(adapter.Service, Key("kv-nopurge"), "uai-good", sku)).Single(r => r.Check == CheckIds.KeyVaultPurgeProtection);
                var expected = profile.PurgeProtectionRequired ? RequirementStatus.Failed
                    : profile.PurgeProtectionRecommended ? RequirementStatus.Warning : RequirementStatus.Passed;
                Assert.True(expected == nopurge.Status, $"{adapter.Service}: {nopurge.Status} {nopurge.Message}");

                Assert.Contains(CheckIds.KeyType, await PreflightFailuresAsync(adapter.Service, Key("kv-good", "ec-key"), "uai-good", sku));

                var results = await PreflightAsync(adapter.Service, Key("kv-good"), "uai-good", "Basic");
                var skuResult = results.SingleOrDefault(r => r.Check == CheckIds.ResourceSku);
                if (profile.SupportedSkus == null) Assert.Null(skuResult);
                else Assert.True(skuResult?.Status == RequirementStatus.Failed, $"{adapter.Service}: Basic should fail Resource.Sku");
                // The region is compared wherever the service needs the vault in its region.
                Assert.Equal(profile.SameRegionRequired, results.Any(r => r.Check == CheckIds.KeyVaultRegion && r.Status == RequirementStatus.Passed));
            }
            Assert.Empty(Writes());
        }
    }
}
