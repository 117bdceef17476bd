import { render } from "preact";
import { App } from "./app.js";
import { takeKeyFromUrl } from "./api/management-client.js";
import "./styles.css";

takeKeyFromUrl();
render(<App />, document.getElementById("app")!);
