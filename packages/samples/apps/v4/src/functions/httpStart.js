// The async HTTP API starter, as the Durable Functions quickstart writes it: POST /api/orchestrators/{name}
// starts that orchestration with the request's JSON body as input and answers 202 with a Location header and
// the management URLs (statusQueryGetUri, sendEventPostUri, terminatePostUri, ...).
const { app } = require("@azure/functions");
const df = require("durable-functions");

app.http("httpStart", {
  route: "orchestrators/{orchestratorName}",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const body = await request.text();
    const instanceId = await client.startNew(request.params.orchestratorName, {
      input: body ? JSON.parse(body) : undefined,
    });

    context.log(`Started orchestration with ID = '${instanceId}'.`);

    return client.createCheckStatusResponse(request, instanceId);
  },
});
