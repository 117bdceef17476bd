// The work to do: the numbers 1..size.
module.exports = async function (context) {
  const size = context.bindings.size;
  return Array.from({ length: size }, (_, i) => i + 1);
};
