#!/usr/bin/env node
// The `taskhub` command. A file that exists before the build, so that installing the workspace can link the
// command before dist/ is built; it runs the built CLI.
import "../dist/cli.js";
