// Shared flat config: type-aware rules so floating promises are caught in every package.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Log events go through logEvent (core's logging/log-event.ts), which holds them to the catalogue.
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "CallExpression[callee.property.name=/^(debug|info|warn|error)$/] > ObjectExpression > Property[key.name='event']",
          message:
            "Write log events with logEvent(logger, name, fields) from @taskhub/core, and add new ones to the catalogue (packages/core/src/logging/log-events.ts).",
        },
      ],
    },
  },
);
