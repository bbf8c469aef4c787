// Prints the gzipped size of the JavaScript index.html loads at first (the
// entry and what it imports statically), and fails the build past the budget.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGET_KB = 150;
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));

// Follow static imports (`from"./x.js"` / `import"./x.js"`) of the initial chunks.
const queue = [...initial];
while (queue.length) {
  const file = queue.pop();
  const code = readFileSync(join(dist, file), 'utf8');
  for (const m of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) {
    const dep = `assets/${m[1]}`;
    if (!initial.has(dep)) {
      initial.add(dep);
      queue.push(dep);
    }
  }
}

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
let total = 0;
for (const file of initial) total += gz(file);
const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const lazy = all.filter((f) => !initial.has(`assets/${f}`)).reduce((n, f) => n + gz(`assets/${f}`), 0);
const css = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.css')).reduce((n, f) => n + gz(`assets/${f}`), 0);
const kb = (n) => (n / 1024).toFixed(1);
console.log(`initial JS: ${kb(total)} KB gzipped (${initial.size} file(s), budget ${BUDGET_KB} KB); lazy JS: ${kb(lazy)} KB; CSS: ${kb(css)} KB`);
if (total > BUDGET_KB * 1024) {
  console.error(`initial JS over budget: ${kb(total)} KB > ${BUDGET_KB} KB`);
  process.exit(1);
}
