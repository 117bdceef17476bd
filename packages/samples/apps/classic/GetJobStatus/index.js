// A stand-in for asking a job service how a job is doing: this sample's job is "Running" until the check
// numbered completesOnCheck (a job without one never completes, and its monitor expires).
module.exports = async function (context) {
  const { jobId, completesOnCheck, check } = context.bindings.job;
  const status = completesOnCheck !== undefined && check >= completesOnCheck ? "Completed" : "Running";
  context.log(`Job ${jobId} is ${status} (check ${check}).`);
  return status;
};
