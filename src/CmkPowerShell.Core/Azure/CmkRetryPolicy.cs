using System;
using System.Security.Authentication;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>
    /// Azure.Core's retry (408/429/500/502/503/504 and transport failures, Retry-After honoured, exponential
    /// back-off, waits aborted by the request's token), bounded by the session's settings. A certificate
    /// that failed validation is not retried: it will fail the same way every time.
    /// </summary>
    internal sealed class CmkRetryPolicy : RetryPolicy
    {
        public CmkRetryPolicy(CmkTransportOptions options)
            : base(options.MaxRetries, DelayStrategy.CreateExponentialDelayStrategy(options.RetryDelay, options.MaxRetryDelay))
        {
        }

        protected override bool ShouldRetry(HttpMessage message, Exception? exception)
            => !IsCertificateFailure(exception) && base.ShouldRetry(message, exception);

        protected override System.Threading.Tasks.ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception)
            => IsCertificateFailure(exception) ? new System.Threading.Tasks.ValueTask<bool>(false) : base.ShouldRetryAsync(message, exception);

        private static bool IsCertificateFailure(Exception? exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException) return true;
            }
            return false;
        }
    }
}
