// A stand-in for sending the approval request to a person (an email, a chat message).
module.exports = async function (context) {
  const { item } = context.bindings.request;
  context.log(`Approval requested for '${item}'.`);
};
