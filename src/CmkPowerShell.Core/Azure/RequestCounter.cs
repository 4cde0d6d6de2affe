using System;
using System.Net.Http;
using System.Threading;

namespace CmkPowerShell.Core.Azure
{
    /// <summary>What a request is, for accounting: ARM budgets reads and writes separately.</summary>
    public enum RequestKind { Get, Write, Post, Delete, Other }

    /// <summary>
    /// Requests as they went on the wire, including retries and long-running-operation polls (also counted
    /// apart, so a test can tell "3 GETs" from "1 GET + 2 retries"). Token requests are not ARM requests
    /// and are not counted.
    /// </summary>
    public sealed record RequestCounts(long Get, long Write, long Post, long Delete, long Other, long Retries, long Polls)
    {
        public long Total => Get + Write + Post + Delete + Other;
        /// <summary>Requests that are neither retries nor polls: what the caller asked for.</summary>
        public long FirstAttempts => Total - Retries - Polls;

        public RequestCounts Minus(RequestCounts earlier)
            => new RequestCounts(Get - earlier.Get, Write - earlier.Write, Post - earlier.Post, Delete - earlier.Delete,
                Other - earlier.Other, Retries - earlier.Retries, Polls - earlier.Polls);

        public override string ToString()
            => $"GET {Get}, PUT/PATCH {Write}, POST {Post}, DELETE {Delete}, other {Other} (retries {Retries}, polls {Polls})";
    }

    /// <summary>Thread-safe counters of one session; read by tests and benchmarks.</summary>
    public sealed class RequestCounter
    {
        private long _get, _write, _post, _delete, _other, _retries, _polls;

        public static RequestKind KindOf(string method)
        {
            switch (method.ToUpperInvariant())
            {
                case "GET": case "HEAD": return RequestKind.Get;
                case "PUT": case "PATCH": return RequestKind.Write;
                case "POST": return RequestKind.Post;
                case "DELETE": return RequestKind.Delete;
                default: return RequestKind.Other;
            }
        }

        public static RequestKind KindOf(HttpMethod method) => KindOf(method.Method);

        public void Record(RequestKind kind, bool isRetry, bool isPoll)
        {
            switch (kind)
            {
                case RequestKind.Get: Interlocked.Increment(ref _get); break;
                case RequestKind.Write: Interlocked.Increment(ref _write); break;
                case RequestKind.Post: Interlocked.Increment(ref _post); break;
                case RequestKind.Delete: Interlocked.Increment(ref _delete); break;
                default: Interlocked.Increment(ref _other); break;
            }
            if (isRetry) Interlocked.Increment(ref _retries);
            else if (isPoll) Interlocked.Increment(ref _polls);
        }

        public RequestCounts Snapshot()
            => new RequestCounts(Interlocked.Read(ref _get), Interlocked.Read(ref _write), Interlocked.Read(ref _post),
                Interlocked.Read(ref _delete), Interlocked.Read(ref _other), Interlocked.Read(ref _retries), Interlocked.Read(ref _polls));

        /// <summary>Zeroes the counters and returns what they held.</summary>
        public RequestCounts Reset()
            => new RequestCounts(Interlocked.Exchange(ref _get, 0), Interlocked.Exchange(ref _write, 0),
                Interlocked.Exchange(ref _post, 0), Interlocked.Exchange(ref _delete, 0), Interlocked.Exchange(ref _other, 0),
                Interlocked.Exchange(ref _retries, 0), Interlocked.Exchange(ref _polls, 0));
    }
}
