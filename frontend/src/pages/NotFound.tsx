import { Trans } from "react-i18next";
import { Link } from "react-router";
import { t } from "../i18n";

const code = <code />;
const home = <Link to="/" />;

export function NotFound() {
  return (
    <>
      <h1>{t("notFound.title")}</h1>
      <p>
        <Trans i18nKey="notFound.body" values={{ path: location.pathname }} components={{ code, go: home }} />
      </p>
    </>
  );
}
