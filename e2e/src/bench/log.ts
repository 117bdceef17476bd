/** The bench's progress lines, on stderr (the markdown report goes to stdout). */
export const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};
