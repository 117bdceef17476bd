export * from "./patterns.js";
