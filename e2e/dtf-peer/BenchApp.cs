using DurableTask.Core;

namespace DtfPeer;

/// The bench app of taskhub's benchmark (e2e/src/bench/app.ts) on DurableTask.Core, with the same names, inputs and
/// outputs: a trivial activity "Inc" (n + 1) and four orchestrations. Used only by the bench mode (BenchMode.cs).
public sealed class BenchInc : TaskActivity<long, long>
{
    protected override long Execute(TaskContext context, long input) => input + 1;
}

/// Five sequential calls of Inc; returns 5.
public sealed class BenchHelloSequence5 : TaskOrchestration<long, object?>
{
    public override async Task<long> RunTask(OrchestrationContext context, object? input)
    {
        long n = 0;
        for (var i = 0; i < 5; i++) n = await context.ScheduleTask<long>("Inc", "", n);
        return n;
    }
}

/// `count` calls of Inc in parallel (Inc(0) .. Inc(count - 1)), then their sum.
public sealed class BenchFanOutFanIn : TaskOrchestration<long, long>
{
    public override async Task<long> RunTask(OrchestrationContext context, long count)
    {
        var tasks = new Task<long>[count];
        for (var i = 0; i < count; i++) tasks[i] = context.ScheduleTask<long>("Inc", "", (long)i);
        var results = await Task.WhenAll(tasks);
        return results.Sum();
    }
}

/// `count` calls of Inc one after another; returns `count`.
public sealed class BenchSequential : TaskOrchestration<long, long>
{
    public override async Task<long> RunTask(OrchestrationContext context, long count)
    {
        long n = 0;
        for (var i = 0; i < count; i++) n = await context.ScheduleTask<long>("Inc", "", n);
        return n;
    }
}

/// Consumes `count` events named "e" (numbers); returns their sum.
public sealed class BenchEvents : TaskOrchestration<long, long>
{
    readonly Queue<long> buffered = new();
    TaskCompletionSource<long>? waiter;

    public override async Task<long> RunTask(OrchestrationContext context, long count)
    {
        long sum = 0;
        for (var i = 0; i < count; i++) sum += await this.Next();
        return sum;
    }

    Task<long> Next()
    {
        if (this.buffered.Count > 0) return Task.FromResult(this.buffered.Dequeue());
        this.waiter = new TaskCompletionSource<long>();
        return this.waiter.Task;
    }

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name != "e") return;
        var value = long.Parse(input, System.Globalization.CultureInfo.InvariantCulture);
        if (this.waiter is { } w)
        {
            this.waiter = null;
            w.SetResult(value);
        }
        else this.buffered.Enqueue(value);
    }
}
