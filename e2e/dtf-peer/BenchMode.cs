using System.Diagnostics;
using System.Globalization;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace DtfPeer;

/// `dotnet dtf-peer.dll bench --scenario <name> --count N [--extended-sessions] [--hub H] [--warmup W]
/// [--timeout-seconds S]`, connection string in TASKHUB_CONNECTION_STRING (or --connection-string): one DT.AS worker
/// with DT.AS's default settings (extended sessions on with the flag) and a client in the same process, as
/// e2e/src/bench/peer/taskhub-runner.ts runs taskhub. The protocol, one JSON line each on stdout:
///   {"event":"warm", ...}   after W warm-up hello-sequence5 instances (every partition owned, code jitted)
///   (the driver snapshots its request counts, then writes a line to stdin)
///   {"event":"result", ...} the scenario's figures: per-instance start-to-completion ms, process CPU ms over the
///                            scenario, peak working set
///   (the driver snapshots its counts again and closes stdin; the worker stops, the process exits)
public static class BenchMode
{
    static readonly (string Name, Type Type)[] Orchestrations =
    [
        ("HelloSequence5", typeof(BenchHelloSequence5)), ("FanOutFanIn", typeof(BenchFanOutFanIn)),
        ("Sequential", typeof(BenchSequential)), ("Events", typeof(BenchEvents)),
    ];

    static void Write(JObject line)
    {
        Console.Out.WriteLine(line.ToString(Formatting.None));
        Console.Out.Flush();
    }

    static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var scenario = Arg(args, "--scenario") ?? throw new ArgumentException("bench needs --scenario");
        var count = int.Parse(Arg(args, "--count") ?? throw new ArgumentException("bench needs --count"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Arg(args, "--warmup") ?? "32", CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromSeconds(double.Parse(Arg(args, "--timeout-seconds") ?? "600", CultureInfo.InvariantCulture));
        var connectionString = Arg(args, "--connection-string") ?? Environment.GetEnvironmentVariable("TASKHUB_CONNECTION_STRING")
            ?? throw new ArgumentException("no --connection-string and TASKHUB_CONNECTION_STRING is not set");
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = Arg(args, "--hub") ?? "benchdtf",
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            ExtendedSessionsEnabled = args.Contains("--extended-sessions"),
            LoggerFactory = NullLoggerFactory.Instance,
        };
        var inner = new AzureStorageOrchestrationService(settings);
        await inner.CreateIfNotExistsAsync();
        var service = new ObservedService(inner);
        var worker = new TaskHubWorker(service, NullLoggerFactory.Instance);
        worker.AddTaskOrchestrations(Orchestrations.Select(o => (ObjectCreator<TaskOrchestration>)new NameValueObjectCreator<TaskOrchestration>(o.Name, "", o.Type)).ToArray());
        worker.AddTaskActivities(new NameValueObjectCreator<TaskActivity>("Inc", "", typeof(BenchInc)));
        await worker.StartAsync();
        var client = new TaskHubClient(inner);

        var warmStart = ObservedService.Now;
        var warmIds = Enumerable.Range(0, warmup).Select(i => $"warm-{i}").ToList();
        await Task.WhenAll(warmIds.Select(id => client.CreateOrchestrationInstanceAsync("HelloSequence5", "", id, null)));
        await WithTimeout(service.WhenCompleted(warmIds), timeout, "the warm-up");
        Write(new JObject
        {
            ["event"] = "warm", ["runtime"] = "dtas", ["ms"] = Math.Round(ObservedService.Now - warmStart),
            ["extendedSessions"] = settings.ExtendedSessionsEnabled, ["partitionCount"] = settings.PartitionCount,
        });
        if (await Console.In.ReadLineAsync() == null)
        {
            // The driver went away before the scenario: nothing to measure for anyone.
            await worker.StopAsync(true);
            return 1;
        }

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        JObject result;
        try
        {
            result = await Run(scenario, count, client, service, timeout);
        }
        catch (Exception e)
        {
            result = new JObject { ["ok"] = false, ["note"] = e.Message };
        }
        process.Refresh();
        result["event"] = "result";
        result["runtime"] = "dtas";
        result["scenario"] = scenario;
        result["count"] = count;
        result["cpuMs"] = Math.Round((process.TotalProcessorTime - cpu0).TotalMilliseconds);
        result["peakRssBytes"] = process.PeakWorkingSet64;
        Write(result);

        // Wait for the driver's last request-count snapshot (it closes stdin), then stop.
        while (await Console.In.ReadLineAsync() != null) { }
        await worker.StopAsync(true);
        return 0;
    }

    static async Task WithTimeout(Task task, TimeSpan timeout, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(timeout)) != task) throw new TimeoutException($"{what} did not complete within {timeout.TotalSeconds} s");
        await task;
    }

    static async Task<JObject> Run(string scenario, int count, TaskHubClient client, ObservedService service, TimeSpan timeout)
    {
        var t0 = ObservedService.Now;
        switch (scenario)
        {
            case "hello-sequence5":
            {
                var ids = Enumerable.Range(0, count).Select(i => $"hs5-{i}").ToList();
                var startedAt = new Dictionary<string, double>();
                await Task.WhenAll(ids.Select(id =>
                {
                    lock (startedAt) startedAt[id] = ObservedService.Now;
                    return client.CreateOrchestrationInstanceAsync("HelloSequence5", "", id, null);
                }));
                await WithTimeout(service.WhenCompleted(ids), timeout, scenario);
                var end = ids.Max(id => service.Completed[id].T);
                var bad = ids.Count(id => service.Completed[id].Output != "5");
                return Figures(count / ((end - t0) / 1000), end - t0, service.Started.GetValueOrDefault(ids[0]) - t0,
                    ids.Select(id => service.Completed[id].T - startedAt[id]), bad == 0 ? null : $"{bad} of {count} did not return 5");
            }
            case "fan-out-fan-in":
            case "sequential":
            {
                var id = scenario == "sequential" ? "seq" : "fan";
                await client.CreateOrchestrationInstanceAsync(scenario == "sequential" ? "Sequential" : "FanOutFanIn", "", id, (long)count);
                await WithTimeout(service.WhenCompleted([id]), timeout, scenario);
                var done = service.Completed[id];
                var pickup = service.Started.GetValueOrDefault(id, t0);
                var expected = scenario == "sequential" ? count : (long)count * (count + 1) / 2;
                return Figures(count / ((done.T - pickup) / 1000), done.T - pickup, pickup - t0, [done.T - t0],
                    done.Output == expected.ToString(CultureInfo.InvariantCulture) ? null : $"status {done.Status}, output {done.Output} (expected {expected})");
            }
            case "external-events":
            {
                const string id = "events";
                await client.CreateOrchestrationInstanceAsync("Events", "", id, (long)count);
                var deadline = ObservedService.Now + timeout.TotalMilliseconds;
                while (!service.Started.ContainsKey(id))
                {
                    if (ObservedService.Now > deadline) throw new TimeoutException($"{id} did not start");
                    await Task.Delay(10);
                }
                var instance = new OrchestrationInstance { InstanceId = id };
                var t1 = ObservedService.Now;
                await Task.WhenAll(Enumerable.Range(1, count).Select(i => client.RaiseEventAsync(instance, "e", (long)i)));
                await WithTimeout(service.WhenCompleted([id]), timeout, scenario);
                var done = service.Completed[id];
                var expected = (long)count * (count + 1) / 2;
                return Figures(count / ((done.T - t1) / 1000), done.T - t1, service.Started[id] - t0, [done.T - t0],
                    done.Output == expected.ToString(CultureInfo.InvariantCulture) ? null : $"status {done.Status}, output {done.Output} (expected {expected})");
            }
            default:
                throw new ArgumentException($"unknown scenario '{scenario}' (hello-sequence5, fan-out-fan-in, sequential, external-events)");
        }
    }

    static JObject Figures(double throughput, double ms, double pickupMs, IEnumerable<double> latencies, string? failure) => new()
    {
        ["ok"] = failure == null,
        ["note"] = failure,
        ["throughput"] = Math.Round(throughput, 1),
        ["seconds"] = Math.Round(ms / 1000, 2),
        ["pickupMs"] = Math.Round(pickupMs),
        ["latenciesMs"] = new JArray(latencies.Select(l => Math.Round(l))),
    };
}
