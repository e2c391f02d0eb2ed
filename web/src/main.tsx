import { render } from "preact";
import { App } from "./app";
import { WatchPage } from "./pages/WatchPage";
import { match } from "./router";
import "./styles.css";

// A family's link is a page of its own: no login, no header, nothing to navigate
// to; it never leaves itself, so deciding once at load is enough.
const route = match(location.pathname, location.search);
render(
  route.page === "watch" ? <WatchPage token={route.token} /> : <App />,
  document.getElementById("app")!,
);
