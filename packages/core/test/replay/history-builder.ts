// The hand-written history builder lives in @taskhub/core/testing; core's replay tests import it from here.
export * from "../../src/testing/history-builder.js";
