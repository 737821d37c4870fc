// Copies the data files the library loads at run time (catalog products, schemas) into dist/.
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assetDirs = ['src/catalog/products', 'src/catalog/schema', 'src/inventory/schema', 'src/report/assets'];
for (const rel of assetDirs) {
  const from = join(root, rel);
  if (!existsSync(from)) continue;
  const to = join(root, 'dist', rel.slice('src/'.length));
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name.endsWith('.json') || name.endsWith('.css') || name.endsWith('.js') || name.endsWith('.html')) {
      cpSync(join(from, name), join(to, name));
    }
  }
}
