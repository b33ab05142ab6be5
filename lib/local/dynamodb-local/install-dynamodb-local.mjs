#!/usr/bin/env node
// Fetches AWS's DynamoDB Local jar from the npm registry without the ~350 MB of dependencies that
// its carrier package (amplify-dynamodb-simulator) would drag in: `npm pack` downloads only the
// tarball (from npm's cache when it has it), we check its pinned integrity and unpack `emulator/`.
// Also installs Java where it is missing and we are allowed to (root with apt-get).
// Plain JavaScript on purpose: it runs from `postinstall`, before anything is compiled.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE = 'amplify-dynamodb-simulator';
export const PACKAGE_VERSION = '2.9.30';
// sha512 of the tarball as the registry publishes it (`npm view amplify-dynamodb-simulator@2.9.30 dist.integrity`).
const INTEGRITY = 'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';

// The project root: this file is lib/local/dynamodb-local/install-dynamodb-local.mjs (npm runs it before anything is built).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const installDir = process.env.DYNAMODB_LOCAL_DIR ?? join(root, 'node_modules', '.cache', 'dynamodb-local', PACKAGE_VERSION);

const say = (line) => process.stderr.write(`[dynamodb-local] ${line}\n`);

function installJar() {
  const marker = join(installDir, '.installed');
  if (existsSync(marker) && existsSync(join(installDir, 'DynamoDBLocal.jar'))) return;
  const work = mkdtempSync(join(tmpdir(), 'ddb-local-'));
  try {
    const npm = process.env.npm_execpath;
    const args = ['pack', `${PACKAGE}@${PACKAGE_VERSION}`, '--pack-destination', work, '--silent'];
    const env = { ...process.env, npm_config_update_notifier: 'false' };
    if (npm?.endsWith('.js')) execFileSync(process.execPath, [npm, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env });
    else execFileSync('npm', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    const tarball = join(work, `${PACKAGE}-${PACKAGE_VERSION}.tgz`);
    const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (digest !== INTEGRITY) {
      throw new Error(
        `integrity mismatch for ${PACKAGE}@${PACKAGE_VERSION}: got ${digest}, expected ${INTEGRITY}. ` +
          `Delete the npm cache entry (npm cache clean --force) and run npm install again.`,
      );
    }
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=2', 'package/emulator'], { stdio: 'inherit' });
    writeFileSync(join(unpacked, '.installed'), `${PACKAGE}@${PACKAGE_VERSION}\n`);
    mkdirSync(dirname(installDir), { recursive: true });
    rmSync(installDir, { recursive: true, force: true });
    renameSync(unpacked, installDir);
    say(`DynamoDB Local installed in ${installDir}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function hasJava() {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

function installJava() {
  if (hasJava() || process.env.SKIP_JAVA_INSTALL === '1') return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    say(
      'Java was not found. DynamoDB Local needs a Java 17 runtime: ' +
        'install one (Debian: sudo apt-get install -y openjdk-17-jre-headless) and run npm install again.',
    );
    return;
  }
  say('Java was not found: installing openjdk-17-jre-headless with apt-get (set SKIP_JAVA_INSTALL=1 to skip).');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  // The JRE's post-install scripts expect this directory on slim images.
  mkdirSync('/usr/share/man/man1', { recursive: true });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'openjdk-17-jre-headless'], { stdio: 'inherit', env });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    installJar();
    installJava();
  } catch (error) {
    say(`could not install DynamoDB Local: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
