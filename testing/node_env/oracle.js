'use strict'
// The oracle of tests/test_env_grammar_node.py: one JSON request per line on stdin, one JSON
// answer per line on stdout. Runs the real dotenv 16.6.1 + dotenv-expand 11.0.7 exactly as
// Medusa's loadEnv (@medusajs/utils common/load-env.js) calls them, and @next/env's
// loadEnvConfig, on the given bytes written to a fresh temporary folder.
const fs = require('fs')
const os = require('os')
const path = require('path')
const readline = require('readline')

const here = __dirname
const dotenv = require(path.join(here, 'node_modules', 'dotenv'))
const { expand } = require(path.join(here, 'node_modules', 'dotenv-expand'))
const nextEnvPath = require.resolve(path.join(here, 'node_modules', '@next', 'env'))

function setEnv (env) {
  for (const k of Object.keys(process.env)) delete process.env[k]
  for (const [k, v] of Object.entries(env)) process.env[k] = v
}

function writeFiles (files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storectl-env-'))
  for (const [name, b64] of files) fs.writeFileSync(path.join(dir, name), Buffer.from(b64, 'base64'))
  return dir
}

function medusa (req) {
  const dir = writeFiles(req.files)
  setEnv(req.env)
  // load-env.js: expand(dotenv.config({ path: filesToLoad })) inside try {} catch {}
  let threw = false
  try {
    expand(dotenv.config({ path: req.names.map((n) => path.join(dir, n)) }))
  } catch (e) {
    threw = true
  }
  const env = Object.assign({}, process.env)
  fs.rmSync(dir, { recursive: true, force: true })
  return { env, threw }
}

function next (req) {
  const dir = writeFiles(req.files)
  setEnv(req.env)
  delete require.cache[nextEnvPath]
  const { loadEnvConfig } = require(nextEnvPath)
  const errors = []
  const log = { info () {}, error (msg) { errors.push(String(msg)) } }
  const out = loadEnvConfig(dir, req.mode === 'development', log)
  const env = Object.assign({}, process.env)
  fs.rmSync(dir, { recursive: true, force: true })
  return { env, errors, files: out.loadedEnvFiles.map((f) => f.path) }
}

function parse (req) {
  const obj = dotenv.parse(Buffer.from(req.bytes, 'base64').toString('utf8'))
  return { pairs: Object.keys(obj).map((k) => [k, obj[k]]) }
}

const handlers = { medusa, next, parse }
const rl = readline.createInterface({ input: process.stdin })
rl.on('line', (line) => {
  const req = JSON.parse(line)
  let answer
  try {
    answer = handlers[req.kind](req)
  } catch (e) {
    answer = { crash: String(e && e.stack) }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
})
