// The prefetch module first: its requests start before react-dom is even evaluated.
import "./prefetch";
import "./i18n";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App username={root.dataset.username ?? ""} />
    </StrictMode>,
  );
}
