using System;
using System.Threading.Tasks;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>The process-wide connection that every cmdlet shares (one per runspace host process).</summary>
    public static class CmkContext
    {
        // PLACEHOLDER signatures for the cmdlet layer; implemented with the transport (issue 2).
        public static CmkSession? Current { get; private set; }

        public static Task<CmkSession> ConnectAsync(CmkConnectionOptions options, ICmkHost host)
            => throw new NotImplementedException();

        /// <summary>The current session, or a new DefaultAzureCredential one when nobody connected.</summary>
        public static Task<CmkSession> GetOrConnectDefaultAsync(ICmkHost host)
            => throw new NotImplementedException();

        public static bool Disconnect()
        {
            var had = Current != null;
            Current = null;
            return had;
        }
    }
}
