using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CmkPowerShell.Hosting;

namespace CmkPowerShell.Tests.Module
{
    /// <summary>The bridge that lets engine work on any thread talk to PowerShell's single pipeline thread.</summary>
    public class PipelinePumpTests
    {
        [Fact]
        public void Messages_from_workers_run_on_the_calling_thread_in_order()
        {
            var owner = Environment.CurrentManagedThreadId;
            var pump = new PipelinePump(CancellationToken.None);
            var seen = new List<(int Thread, int Value)>();

            var result = pump.Run(async () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await Task.Yield();
                    var value = i;
                    pump.Post(() => seen.Add((Environment.CurrentManagedThreadId, value)));
                }
                return "done";
            });

            Assert.Equal("done", result);
            Assert.Equal(new[] { 0, 1, 2, 3, 4 }, seen.Select(s => s.Value));
            Assert.All(seen, s => Assert.Equal(owner, s.Thread));
        }

        [Fact]
        public void Work_runs_off_the_calling_thread_even_when_it_never_awaits()
        {
            var owner = Environment.CurrentManagedThreadId;
            var pump = new PipelinePump(CancellationToken.None);
            var workThread = pump.Run(() => Task.FromResult(Environment.CurrentManagedThreadId));
            Assert.NotEqual(owner, workThread);
        }

        [Fact]
        public void A_question_from_a_worker_is_answered_on_the_calling_thread()
        {
            var owner = Environment.CurrentManagedThreadId;
            var pump = new PipelinePump(CancellationToken.None);
            var askedOn = new ConcurrentBag<int>();

            var answers = pump.Run(async () =>
            {
                // Several workers asking at once, as a fan-out over many resources does.
                var asks = Enumerable.Range(0, 8).Select(i => Task.Run(() => pump.Invoke(() =>
                {
                    askedOn.Add(Environment.CurrentManagedThreadId);
                    return i % 2 == 0;
                })));
                return await Task.WhenAll(asks);
            });

            Assert.Equal(new[] { true, false, true, false, true, false, true, false }, answers);
            Assert.Equal(8, askedOn.Count);
            Assert.All(askedOn, t => Assert.Equal(owner, t));
        }

        [Fact]
        public void An_exception_thrown_while_answering_reaches_the_asking_worker()
        {
            var pump = new PipelinePump(CancellationToken.None);
            var caught = pump.Run(() => Task.Run(() =>
            {
                try
                {
                    pump.Invoke<bool>(() => throw new TimeoutException("no answer"));
                    return null;
                }
                catch (TimeoutException ex)
                {
                    return ex.Message;
                }
            }));
            Assert.Equal("no answer", caught);
        }

        [Fact]
        public void The_work_exception_comes_out_unwrapped()
        {
            var pump = new PipelinePump(CancellationToken.None);
            var ex = Assert.Throws<FormatException>(() => pump.Run<int>(async () =>
            {
                await Task.Delay(10);
                throw new FormatException("bad");
            }));
            Assert.Equal("bad", ex.Message);
        }

        [Fact]
        public void A_failing_message_ends_the_pump_with_its_exception()
        {
            // e.g. WriteError under -ErrorAction Stop throws on the pipeline thread.
            using var release = new SemaphoreSlim(0);
            var pump = new PipelinePump(CancellationToken.None);
            Assert.Throws<InvalidCastException>(() => pump.Run(async () =>
            {
                pump.Post(() => throw new InvalidCastException());
                await release.WaitAsync(TimeSpan.FromSeconds(10));
                return 0;
            }));
            release.Release();
        }

        [Fact]
        public void Cancellation_ends_the_pump_at_once_even_if_the_work_ignores_it()
        {
            using var stop = new CancellationTokenSource();
            using var never = new ManualResetEventSlim(false);
            var pump = new PipelinePump(stop.Token);
            var clock = Stopwatch.StartNew();

            Assert.ThrowsAny<OperationCanceledException>(() => pump.Run(() =>
            {
                stop.CancelAfter(50);
                never.Wait(TimeSpan.FromSeconds(30)); // a stubborn call that does not observe the token
                return Task.FromResult(0);
            }));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            never.Set();
        }

        [Fact]
        public void Cancellation_releases_a_worker_waiting_for_an_answer()
        {
            using var stop = new CancellationTokenSource();
            var pump = new PipelinePump(stop.Token);
            Exception? workerSaw = null;
            var asked = new ManualResetEventSlim(false);

            var worker = Task.Run(() =>
            {
                try
                {
                    asked.Set();
                    pump.Invoke(() => true);
                }
                catch (Exception ex)
                {
                    workerSaw = ex;
                }
            });
            asked.Wait();
            stop.Cancel(); // the owner never pumps: only cancellation can release the worker
            Assert.True(worker.Wait(TimeSpan.FromSeconds(10)));
            Assert.IsAssignableFrom<OperationCanceledException>(workerSaw);
        }

        [Fact]
        public void Messages_after_the_command_finished_are_refused_or_dropped_after_stop()
        {
            var pump = new PipelinePump(CancellationToken.None);
            pump.Run(() => Task.FromResult(0));
            Assert.IsType<InvalidOperationException>(OnAnotherThread(() => pump.Post(() => { })));

            using var stop = new CancellationTokenSource();
            var stopped = new PipelinePump(stop.Token);
            stop.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => stopped.Run(() => Task.Delay(-1, CancellationToken.None).ContinueWith(_ => 0)));
            Assert.Null(OnAnotherThread(() => stopped.Post(() => throw new Exception("must not run"))));
        }

        [Fact]
        public void A_pump_runs_only_on_its_own_thread_and_only_once()
        {
            var pump = new PipelinePump(CancellationToken.None);
            Assert.IsType<InvalidOperationException>(OnAnotherThread(() => pump.Run(() => Task.FromResult(0))));
            pump.Run(() => Task.FromResult(0));
            Assert.Throws<InvalidOperationException>(() => pump.Run(() => Task.FromResult(0)));
        }
    
        /// <summary>A real other thread: waiting on a Task may inline it onto the waiting (owner) thread.</summary>
        private static Exception? OnAnotherThread(Action action)
        {
            Exception? caught = null;
            var thread = new Thread(() =>
            {
                try { action(); }
                catch (Exception ex) { caught = ex; }
            });
            thread.Start();
            thread.Join();
            return caught;
        }
    }
}
