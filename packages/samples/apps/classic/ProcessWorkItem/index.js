module.exports = async function (context) {
  const item = context.bindings.item;
  return item * item;
};
