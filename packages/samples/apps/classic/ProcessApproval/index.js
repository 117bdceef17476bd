// The answer arrived: { item, approved, by }.
module.exports = async function (context) {
  const { item, approved, by } = context.bindings.approval;
  const status = approved ? "Approved" : "Rejected";
  context.log(`'${item}' ${status.toLowerCase()} by ${by}.`);
  return { item, status, by };
};
