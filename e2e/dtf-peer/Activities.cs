using System.Collections.Concurrent;
using DurableTask.Core;
using Newtonsoft.Json.Linq;

namespace DtfPeer;

/// Activities of the interop test app, as DurableTask.Core's typed activities: Core reads their input as the
/// JSON array of the scheduling call's parameters (what its OrchestrationContext.ScheduleTask writes).
public sealed class SayHello : AsyncTaskActivity<JToken, JToken>
{
    protected override Task<JToken> ExecuteAsync(TaskContext context, JToken input) => Task.FromResult<JToken>($"Hello, {input}!");
}

public sealed class Double : AsyncTaskActivity<JToken, JToken>
{
    protected override Task<JToken> ExecuteAsync(TaskContext context, JToken input) => Task.FromResult<JToken>((long)input * 2);
}

/// Fails while it has run fewer than `failures` times for `key` in this process.
public sealed class Flaky : AsyncTaskActivity<JToken, JToken>
{
    static readonly ConcurrentDictionary<string, int> Attempts = new();

    protected override Task<JToken> ExecuteAsync(TaskContext context, JToken input)
    {
        var key = (string)input["key"]!;
        var attempt = Attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (attempt <= (int)input["failures"]!) throw new InvalidOperationException($"attempt {attempt} of {key} fails");
        return Task.FromResult<JToken>($"ok after {attempt}");
    }
}

public sealed class AlwaysFail : AsyncTaskActivity<JToken, JToken>
{
    protected override Task<JToken> ExecuteAsync(TaskContext context, JToken input) => throw new InvalidOperationException((string?)input ?? "failed");
}

public sealed class EchoActivity : AsyncTaskActivity<JToken, JToken>
{
    protected override Task<JToken> ExecuteAsync(TaskContext context, JToken input) => Task.FromResult(input);
}
