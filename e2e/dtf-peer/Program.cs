// The DT.AS test peer: a line protocol on stdin/stdout.
//
// Each stdin line is one JSON request {"id": n, "verb": "...", ...arguments}; each answer is one stdout line
// {"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "error": "...", "type": "..."}. Requests run
// concurrently (a "wait" does not hold up the others), so answers may come out of order; match them by id.
// Lines that are not answers start with {"event": ...} (for example {"event":"ready"} once the peer listens).
// The peer exits when stdin closes, after stopping its workers.
// `dtf-peer bench ...` is the other mode: one DT.AS worker running a benchmark scenario (BenchMode.cs).
using DtfPeer;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

if (args.Length > 0 && args[0] == "bench") return await BenchMode.RunAsync(args);

var output = Console.Out;
var writeLock = new object();
void Write(JObject line)
{
    var text = line.ToString(Formatting.None);
    lock (writeLock)
    {
        output.WriteLine(text);
        output.Flush();
    }
}

var peer = new Peer(evt => Write(evt));
Write(new JObject { ["event"] = "ready", ["pid"] = Environment.ProcessId });

var pending = new List<Task>();
string? line;
while ((line = await Console.In.ReadLineAsync()) != null)
{
    if (string.IsNullOrWhiteSpace(line)) continue;
    JObject request;
    try
    {
        request = JObject.Parse(line, new JsonLoadSettings());
    }
    catch (JsonException e)
    {
        Write(new JObject { ["event"] = "badRequest", ["error"] = e.Message });
        continue;
    }
    var id = request["id"];
    pending.Add(Task.Run(async () =>
    {
        try
        {
            var result = await peer.HandleAsync(request);
            Write(new JObject { ["id"] = id, ["ok"] = true, ["result"] = result });
        }
        catch (Exception e)
        {
            var inner = e is AggregateException { InnerException: { } ie } ? ie : e;
            Write(new JObject { ["id"] = id, ["ok"] = false, ["error"] = inner.Message, ["type"] = inner.GetType().FullName });
        }
    }));
    pending.RemoveAll(t => t.IsCompleted);
}

await peer.StopAllAsync();
return 0;
