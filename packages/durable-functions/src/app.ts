/** `df.app`: declarations on the default function app (v3's `app` namespace). */
import { defaultApp } from "./registry.js";

export const orchestration = defaultApp.orchestration.bind(defaultApp);
export const activity = defaultApp.activity.bind(defaultApp);
export const entity = defaultApp.entity.bind(defaultApp);
export const client = defaultApp.client;
export const setExceptionPropertiesProvider = defaultApp.setExceptionPropertiesProvider.bind(defaultApp);
