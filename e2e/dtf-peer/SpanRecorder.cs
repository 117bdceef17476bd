using System.Collections.Concurrent;
using System.Diagnostics;
using Newtonsoft.Json.Linq;

namespace DtfPeer;

/// DurableTask.Core's spans, as an OpenTelemetry SDK would receive them: the Activities of its ActivitySource
/// ("DurableTask.Core"), recorded once a test asks for them (verb "listenSpans"). Without a listener DTF
/// creates no Activity and writes no trace context, as in every other interop test.
public static class SpanRecorder
{
    static readonly ConcurrentQueue<JObject> Stopped = new();
    static readonly object Gate = new();
    static ActivityListener? listener;

    public static void Listen()
    {
        lock (Gate)
        {
            if (listener != null) return;
            listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "DurableTask.Core",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a => Stopped.Enqueue(new JObject
                {
                    ["name"] = a.DisplayName,
                    ["kind"] = a.Kind.ToString(),
                    ["traceId"] = a.TraceId.ToHexString(),
                    ["spanId"] = a.SpanId.ToHexString(),
                    ["parentSpanId"] = a.ParentSpanId == default ? null : a.ParentSpanId.ToHexString(),
                    ["status"] = a.Status.ToString(),
                    ["instanceId"] = a.GetTagItem("durabletask.task.instance_id")?.ToString(),
                }),
            };
            ActivitySource.AddActivityListener(listener);
        }
    }

    /// Every span ended since Listen, in the order they ended.
    public static JArray Spans() => new(Stopped.ToArray());
}
