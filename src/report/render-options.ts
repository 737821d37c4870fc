/** Options every renderer takes. */
export interface RenderOptions {
  /** ANSI colour (terminal renderers only; never on when output is not a TTY or NO_COLOR is set). */
  colour: boolean;
  /** Terminal width in columns (terminal renderers only). */
  width: number;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { colour: false, width: 120 };
