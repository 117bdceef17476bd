import { routeHref, type Route } from "../model/route.js";

/** Goes to a route: the URL's fragment changes, the app renders the route (and the browser's Back works). */
export function navigate(route: Route): void {
  const href = routeHref(route);
  if (location.hash !== href) location.hash = href;
}
