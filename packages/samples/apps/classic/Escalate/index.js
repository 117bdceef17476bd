// Nobody answered in time.
module.exports = async function (context) {
  const { item } = context.bindings.request;
  context.log(`Nobody answered for '${item}': escalated to the manager.`);
  return { item, status: "Escalated" };
};
