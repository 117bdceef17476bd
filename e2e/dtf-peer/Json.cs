using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace DtfPeer;

/// JSON helpers: payloads cross the protocol as raw JSON text (so nothing is reformatted on the way), and
/// parsing never turns ISO strings into dates.
static class Json
{
    public static JToken? Parse(string? text)
    {
        if (text == null) return null;
        using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal };
        return JToken.ReadFrom(reader);
    }

    public static string Text(JToken? token) => token == null ? "null" : token.ToString(Formatting.None);

    public static string? Str(JObject o, string name) => o[name]?.Type == JTokenType.Null ? null : (string?)o[name];
}
