"""The page a family opens from a share link: the playlist player, the
access-code form, or a friendly explanation of why the link no longer works.

Dutch first (the families are Dutch), English underneath. Everything is
served by Attune itself: no fonts, scripts or images from anywhere else.
"""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#fbf8f3;color:#222}
main{max-width:960px;margin:0 auto;padding:1.5rem}
h1{font-size:1.4rem}
p.en{color:#555}
video{width:100%;max-height:80vh;background:#000;border-radius:8px}
form{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
input{font-size:1.6rem;letter-spacing:.3em;width:9ch;padding:.4rem}
button{font-size:1.1rem;padding:.6rem 1.2rem}
.error{color:#b00020}
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="nl"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><main>{body}</main></body></html>")


def message_page(title_nl: str, text_nl: str, text_en: str) -> str:
    return _page(title_nl, f"<h1>{escape(title_nl)}</h1><p>{escape(text_nl)}</p>"
                           f'<p class="en" lang="en">{escape(text_en)}</p>')


def code_page(title_nl: str, text_nl: str, text_en: str, *, error: bool) -> str:
    role = ' class="error" role="alert"' if error else ""
    return _page(title_nl, f"<h1>{escape(title_nl)}</h1><p{role}>{escape(text_nl)}</p>"
                           f'<p class="en" lang="en">{escape(text_en)}</p>'
                           '<form method="post"><label for="code">Code</label>'
                           '<input id="code" name="code" inputmode="numeric" '
                           'autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" '
                           'required autofocus><button type="submit">Bekijken</button></form>')


def player_page(title: str, hls_url: str, chapters: list[tuple[float, str]]) -> str:
    """The playlist in a plain video element: view only (no download offered)."""
    listed = "".join(f"<li>{escape(name)}</li>" for _, name in chapters)
    return _page(title, f"<h1>{escape(title)}</h1>"
                        f'<video controls playsinline preload="metadata" '
                        f'controlslist="nodownload noremoteplayback" disablepictureinpicture '
                        f'oncontextmenu="return false" src="{escape(hls_url)}"></video>'
                        f"<ol>{listed}</ol>")
