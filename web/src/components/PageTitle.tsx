import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";
import { takeFocusRequest } from "../router";

/**
 * The page's h1 and the document title. After an in-app navigation it takes
 * the focus, so a screen reader announces the new page and Tab starts there.
 */
export function PageTitle({ children }: { children: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · ${t("app.name")}`;
  }, [children]);
  useEffect(() => {
    if (takeFocusRequest()) ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
