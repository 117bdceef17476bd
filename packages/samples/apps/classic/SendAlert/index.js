// A stand-in for an alert (an email, an SMS): the message is logged and returned.
module.exports = async function (context) {
  const { jobId, checks } = context.bindings.job;
  const message = `Job ${jobId} completed (seen on check ${checks}).`;
  context.log(message);
  return message;
};
