/**
 * The rules of an instance id (those of the Durable Functions HTTP API and of storage keys), checked by every
 * client verb that takes one.
 */
import { InvalidArgumentError } from "../errors/errors.js";

/**
 * Same limits as the Durable Functions HTTP API: no control characters, `/`, `\`, `#`, `?`; at most 256 chars.
 * Also no U+FFFE/U+FFFF: ids become blob names, which storage lists in XML, where they are not allowed.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
const INVALID_ID = /[\u0000-\u001f\u007f-\u009f/\\#?\uFFFE\uFFFF]/;

/**
 * Only white space (.NET's `char.IsWhiteSpace`): DurableTask.Core's client takes such an id as no id at all
 * (`IsNullOrWhiteSpace`: it makes a new one), so no DTF task hub holds one; taskhub refuses it rather than
 * guess. White space around other characters is kept, as DTF and Durable Functions keep it.
 */
// eslint-disable-next-line no-control-regex -- tab, line feed and the like are white space in .NET too
const BLANK = /^[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;

/** A UTF-16 surrogate without its pair: such a string has no UTF-8 form (it would become U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const ID_RULES =
  "an instance id has 1 to 256 characters, is not only white space, has none of / \\ # ? or control characters (nor U+FFFE, U+FFFF, lone surrogates), and does not start with @ (reserved for entities)";

/** Throws `InvalidArgument` for an id that breaks a rule; one message for every rule: the reason, then the rules. */
export function validateInstanceId(id: unknown): asserts id is string {
  const reason =
    typeof id !== "string" || id.length === 0
      ? "it is empty"
      : BLANK.test(id)
        ? "it is only white space"
        : id.length > 256
          ? `it is longer than 256 characters (${id.length})`
          : INVALID_ID.test(id)
            ? "it contains a character that is not allowed"
            : id.startsWith("@")
              ? "it starts with '@'"
              : LONE_SURROGATE.test(id)
                ? "it is not well-formed Unicode (a lone surrogate; storage keys and URLs need UTF-8)"
                : undefined;
  if (reason === undefined) return;
  const shown =
    typeof id === "string" ? JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id) : String(id);
  throw new InvalidArgumentError(`instance id ${shown} is not valid: ${reason}; ${ID_RULES}`);
}
