using System.Linq;
using System.Threading.Tasks;
using CmkPowerShell.Core.KeyVault;
using CmkPowerShell.Core.Services;

namespace CmkPowerShell.Tests.Services
{
    /// <summary>Set-AzCmkEncryption over a pipeline: resources sharing a vault read it and its key once (one reader per run).</summary>
    public class SharedReaderTests : ServiceEmulatorTest
    {
        [Fact]
        public async Task Two_resources_on_one_vault_read_the_vault_and_key_once()
        {
            var reader = new KeyVaultReader(Session);
            foreach (var resource in new[] { Kusto, Batch })
            {
                var manager = new CmkEncryptionManager(Session, Host, reader: reader);
                Assert.True((await manager.SetAsync(new CmkSetOptions(resource, Key("kv-good"))))!.Changed);
            }

            var vault = Emulator.VaultId("kv-good");
            Assert.Equal(1, Log.Count(e => e.Method == "GET" && e.Path.Equals(vault, System.StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(1, Log.Count(e => e.Method == "GET" && e.Path.Equals(vault + "/keys/cmk", System.StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(2, Writes().Count);
            AssertNoRejectedRequests();
        }
    }
}
