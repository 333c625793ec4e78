import { DEFAULT_URL, FORMAT_NAMES, QUALITY_NAMES } from './cli-arguments';

/** `manim-render --help`. */
export function usageText(): string {
  return `Usage:
  manim-render render <scene.py> [options]   render a scene and save the video
  manim-render scenes <scene.py> [options]   list the Scene classes the file defines

Render options:
  -s, --scene <Name>           the Scene class (needed when the file defines several)
  -q, --quality <quality>      ${QUALITY_NAMES.join(', ')} (server default: medium)
  -f, --format <format>        ${FORMAT_NAMES.join(', ')} (server default: mp4)
      --fps <n>                frame rate, instead of the quality's
      --resolution <WxH>       e.g. 1280x720, instead of the quality's
      --transparent            render with an alpha channel
      --timeout <seconds>      wall-clock limit of the render
      --manim-version <v>      a Manim version the server serves, e.g. 0.19.0
      --no-cache               render again even if an identical render exists
  -p, --preview                only the last frame, as PNG: quick, to see where the scene ends
      --poster                 also save the poster (the last frame as PNG) beside the video
  -a, --asset <file>           a file the scene reads or imports, sent beside it at its path
                               relative to the scene's folder (repeat for more)
  -o, --out <dir>              where to save the video (default: the current folder)
  -w, --watch                  render again on every save of the scene file, cancelling
                               the render it replaces; Ctrl-C stops

Connection (render and scenes):
      --url <url>              the service (env MANIM_RENDER_URL, default ${DEFAULT_URL})
      --api-key <key>          its API key (env MANIM_RENDER_API_KEY)
  -h, --help                   this text

The saved file's path is printed on stdout; progress and errors go to stderr.
Exit codes: 0 done, 1 render failed or refused, 2 bad usage, 3 service unreachable or
failing, 130 interrupted (Ctrl-C cancels the running render).
`;
}
