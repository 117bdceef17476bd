using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Newtonsoft.Json.Linq;

namespace DtfPeer;

/// The interop test app on DurableTask.Core: the same names and behaviour as e2e/src/interop/app.ts on taskhub.
/// Orchestrations use Core's own programming model (OrchestrationContext, ScheduleTask, CreateTimer, ...) so what
/// they write is what any DurableTask.Core application on DT.AS writes. Inputs and outputs stay raw JSON text.
public abstract class RawOrchestration : TaskOrchestration
{
    readonly Dictionary<string, Queue<string?>> buffered = new();
    readonly Dictionary<string, Queue<TaskCompletionSource<string?>>> waiters = new();
    protected JToken? Status;

    public override async Task<string> Execute(OrchestrationContext context, string input)
    {
        var result = await this.Run(context, Json.Parse(input));
        return result == null ? null! : Json.Text(result);
    }

    protected abstract Task<JToken?> Run(OrchestrationContext ctx, JToken? input);

    public override string GetStatus() => this.Status == null ? null! : Json.Text(this.Status);

    public override void RaiseEvent(OrchestrationContext context, string name, string input)
    {
        if (this.waiters.TryGetValue(name, out var q) && q.Count > 0) q.Dequeue().SetResult(input);
        else
        {
            if (!this.buffered.TryGetValue(name, out var b)) this.buffered[name] = b = new Queue<string?>();
            b.Enqueue(input);
        }
    }

    protected async Task<JToken?> WaitForEvent(string name) => Json.Parse(await this.WaitForRawEvent(name));

    protected Task<string?> WaitForRawEvent(string name)
    {
        if (this.buffered.TryGetValue(name, out var b) && b.Count > 0) return Task.FromResult(b.Dequeue());
        var tcs = new TaskCompletionSource<string?>();
        if (!this.waiters.TryGetValue(name, out var q)) this.waiters[name] = q = new Queue<TaskCompletionSource<string?>>();
        q.Enqueue(tcs);
        return tcs.Task;
    }

    protected static Task<JToken> Call(OrchestrationContext ctx, string activity, JToken? input) =>
        ctx.ScheduleTask<JToken>(activity, "", input);
}

public sealed class HelloSequence : RawOrchestration
{
    static readonly string[] Cities = ["Tokyo", "Seattle", "London", "Paris", "Cairo"];

    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var results = new JArray();
        foreach (var city in Cities) results.Add(await Call(ctx, "SayHello", $"{input} {city}"));
        return results;
    }
}

public sealed class FanOutFanIn : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var n = (int)input!;
        var tasks = Enumerable.Range(1, n).Select(i => Call(ctx, "Double", i)).ToArray();
        var results = await Task.WhenAll(tasks);
        return results.Sum(r => (long)r);
    }
}

public sealed class DurableTimer : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var fireAt = ctx.CurrentUtcDateTime.AddSeconds((double)input!);
        await ctx.CreateTimer(fireAt, "fired");
        return "fired";
    }
}

public sealed class WaitForEventWithTimeout : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        using var cts = new CancellationTokenSource();
        var timer = ctx.CreateTimer(ctx.CurrentUtcDateTime.AddSeconds((double)input!), "timeout", cts.Token);
        var ev = this.WaitForEvent("approve");
        if (await Task.WhenAny(ev, timer) == ev)
        {
            cts.Cancel();
            return new JObject { ["approved"] = await ev };
        }
        return "timeout";
    }
}

public sealed class Parent : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var child = await ctx.CreateSubOrchestrationInstance<JToken>("Child", "", ctx.OrchestrationInstance.InstanceId + ":child", input);
        return new JObject { ["child"] = child };
    }
}

public sealed class Child : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input) => (long)await Call(ctx, "Double", input) + 1;
}

/// Each generation takes one "item" event and continues as new until it has `target` items; events raised
/// before a generation waits for them are carried over to the next generation (DT.AS's default).
public sealed class ContinueAsNewCarry : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var items = (JArray)input!["items"]!;
        var target = (int)input["target"]!;
        items.Add(await this.WaitForEvent("item") ?? JValue.CreateNull());
        if (items.Count >= target) return items;
        ctx.ContinueAsNew(new JObject { ["items"] = items, ["target"] = target });
        return null;
    }
}

public sealed class RetryThenSucceed : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input) =>
        await ctx.ScheduleWithRetry<JToken>("Flaky", "", new RetryOptions(TimeSpan.FromSeconds(1), 3), input);
}

/// <summary>Flaky without retries: fails while Flaky has failures left for the key (rewind re-runs it).</summary>
public sealed class FlakyOnce : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input) => await Call(ctx, "Flaky", input);
}

/// <summary>A FlakyOnce sub-orchestration (instance id "&lt;id&gt;:child"): it fails, and its parent with it.</summary>
public sealed class ParentOfFlaky : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var child = await ctx.CreateSubOrchestrationInstance<JToken>("FlakyOnce", "", ctx.OrchestrationInstance.InstanceId + ":child", input);
        return new JObject { ["child"] = child };
    }
}

public sealed class RetryThenFail : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input) =>
        await ctx.ScheduleWithRetry<JToken>("AlwaysFail", "", new RetryOptions(TimeSpan.FromSeconds(1), 2), input);
}

public sealed class CatchFailure : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        try
        {
            await Call(ctx, "AlwaysFail", input);
            return "not failed";
        }
        catch (TaskFailedException e)
        {
            return new JObject { ["caught"] = e.FailureDetails?.ErrorMessage ?? e.InnerException?.Message ?? e.Message };
        }
    }
}

public sealed class LargePayload : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var echoed = await Call(ctx, "Echo", input);
        this.Status = new JObject { ["length"] = ((string?)echoed)?.Length ?? 0 };
        return echoed;
    }
}

public sealed class CustomStatus : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        this.Status = new JObject { ["step"] = 1, ["input"] = input };
        var next = await this.WaitForEvent("next");
        this.Status = new JObject { ["step"] = 2, ["got"] = next };
        return "done";
    }
}

/// Waits for "finish" without a timeout: the instance to suspend, resume and terminate.
public sealed class LongRunning : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input) =>
        new JObject { ["finished"] = await this.WaitForEvent("finish") };
}

/// A payload through the work-item queue (activity), a sub-orchestration's start and result, and an event.
public sealed class Echo : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var viaActivity = await Call(ctx, "Echo", input);
        var viaChild = await ctx.CreateSubOrchestrationInstance<JToken>("EchoChild", "", ctx.OrchestrationInstance.InstanceId + ":echo", viaActivity);
        var viaEvent = await this.WaitForEvent("echo");
        return new JArray(viaChild ?? JValue.CreateNull(), viaEvent ?? JValue.CreateNull());
    }
}

public sealed class EchoChild : RawOrchestration
{
    protected override Task<JToken?> Run(OrchestrationContext ctx, JToken? input) => Task.FromResult(input);
}

/// Sub-orchestrations that may run on the other runtime (mixed fleet): `count` children of Child, summed.
public sealed class FanOutChildren : RawOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var n = (int)input!;
        var id = ctx.OrchestrationInstance.InstanceId;
        var tasks = Enumerable.Range(1, n).Select(i => ctx.CreateSubOrchestrationInstance<JToken>("Child", "", $"{id}:c{i}", i)).ToArray();
        var results = await Task.WhenAll(tasks);
        return results.Sum(r => (long)r);
    }
}
