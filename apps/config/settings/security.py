"""Web hardening: the Content-Security-Policy and sign-in throttling (docs/security.md)."""

import environ

env = environ.Env()

# Content-Security-Policy on every response (apps.common.csp). Scripts only from Keepflow
# itself (no inline script, no other origin), no plugins, no framing. Inline styles stay
# allowed: the server-rendered pages carry a <style> block. The canvas page adds
# 'unsafe-eval' to script-src (KEEPFLOW_CSP_CANVAS_SCRIPT): its block forms validate
# with ajv, which compiles JSON Schema validators with new Function().
KEEPFLOW_CSP = env.str(
    "KEEPFLOW_CSP",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
KEEPFLOW_CSP_CANVAS_SCRIPT = env.str("KEEPFLOW_CSP_CANVAS_SCRIPT",
                                     default="script-src 'self' 'unsafe-eval'")
# Send it as Content-Security-Policy-Report-Only instead (to try a stricter policy first).
KEEPFLOW_CSP_REPORT_ONLY = env.bool("KEEPFLOW_CSP_REPORT_ONLY", default=False)

# Sign-in throttling (apps.accounts.login_throttle): after this many failed sign-ins for
# one user name from one IP address within the window, that pair is refused for the
# lock-out time, whatever the password (a correct one included).
KEEPFLOW_LOGIN_MAX_FAILURES = env.int("KEEPFLOW_LOGIN_MAX_FAILURES", default=5)
KEEPFLOW_LOGIN_WINDOW_SECONDS = env.int("KEEPFLOW_LOGIN_WINDOW_SECONDS", default=900)
KEEPFLOW_LOGIN_LOCKOUT_SECONDS = env.int("KEEPFLOW_LOGIN_LOCKOUT_SECONDS", default=900)
