import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One file of the page. */
export interface PageAsset {
  body: string;
  contentType: string;
}

/** The page's files, served from this repository: no CDN, nothing fetched from elsewhere. */
export interface PageAssets {
  get(path: string): Promise<PageAsset | undefined>;
}

const pageDir = join(__dirname, 'page');

/**
 * The HTML, the CSS, and the script bundled from page/main.ts by esbuild on first request (kept in memory), so
 * the stack's start pays nothing for a console nobody opens.
 */
export function createPageAssets(): PageAssets {
  let script: Promise<string> | undefined;
  const bundle = async (): Promise<string> => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [join(pageDir, 'main.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      platform: 'browser',
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  };
  return {
    async get(path) {
      switch (path) {
        case '/':
        case '/index.html':
          return { body: await readFile(join(pageDir, 'index.html'), 'utf8'), contentType: 'text/html; charset=utf-8' };
        case '/console.css':
          return { body: await readFile(join(pageDir, 'console.css'), 'utf8'), contentType: 'text/css; charset=utf-8' };
        case '/console.js':
          script ??= bundle().catch((error: unknown) => {
            script = undefined;
            throw error;
          });
          return { body: await script, contentType: 'text/javascript; charset=utf-8' };
        default:
          return undefined;
      }
    },
  };
}
