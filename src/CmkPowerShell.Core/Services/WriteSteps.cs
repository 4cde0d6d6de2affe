using System;
using System.Collections.Generic;
using System.Linq;
using CmkPowerShell.Core.Errors;
using CmkPowerShell.Core.Hosting;

namespace CmkPowerShell.Core.Services
{
    /// <summary>
    /// The steps of one multi-write change (identity, grant, key; a data center each; a virtual network each) and how far
    /// they got. Each finished step is said in -Verbose; a failure part-way carries the finished and unfinished steps in its
    /// error, because a second run of the same command finishes the rest (every step skips what is already in place).
    /// </summary>
    internal sealed class WriteSteps
    {
        private readonly ICmkHost _host;
        private readonly string _target;
        private readonly List<string> _pending;
        private readonly List<string> _done = new();
        private int _total;

        public WriteSteps(ICmkHost host, string target, IEnumerable<string> planned)
        {
            _host = host;
            _target = target;
            _pending = planned.ToList();
            _total = _pending.Count;
        }

        /// <summary>What was done, in order (the status's Actions).</summary>
        public IReadOnlyList<string> Done => _done;

        /// <summary>A planned step finished; <paramref name="said"/> is what it did when that differs from the plan.</summary>
        public void Completed(string planned, string? said = null)
        {
            _pending.Remove(planned);
            _done.Add(said ?? planned);
            _host.WriteVerbose($"{_target}: step {_done.Count} of {Math.Max(_total, _done.Count)} done: {said ?? planned}.");
        }

        /// <summary>A planned step turned out to need nothing (already in place).</summary>
        public void NotNeeded(string planned)
        {
            if (_pending.Remove(planned)) _total--;
        }

        /// <summary>Steps planned again once earlier ones changed the resource (the key writes after an identity write).</summary>
        public void Replan(IEnumerable<string> before, IEnumerable<string> after)
        {
            foreach (var step in before) _pending.Remove(step);
            var added = after.ToList();
            _pending.AddRange(added);
            _total = _done.Count + _pending.Count;
        }

        /// <summary>The failure with the steps that did and did not complete, when there was more than one step.</summary>
        public CmkException Attach(CmkException failure)
        {
            if (_total > 1 || _done.Count > 0)
            {
                failure.CompletedSteps = _done.ToList();
                failure.PendingSteps = _pending.ToList();
            }
            return failure;
        }
    }
}
