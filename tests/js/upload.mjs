#!/usr/bin/env node
// Uploads one file to Attune with tus-js-client, the tus client browsers and
// Uppy use, so tests/ingest/test_tus_clients.py can check the server against a real
// client rather than against its own idea of the protocol.
//
// Prints one JSON object per line on stdout:
//   {"event":"request","method":"PATCH","offset":N}       before every request
//   {"event":"response","method":"HEAD","status":200,"offset":N,"clip_id":"..."}
//   {"event":"created","url":"...","clip_id":"..."}        the upload was created
//   {"event":"progress","bytes":N,"total":T}
//   {"event":"success","url":"...","sent":S}                S = bytes this process sent
//   {"event":"aborted","url":"...","bytes":N,"sent":S}      stopped by --abort-after
//   {"event":"error","message":"...","sent":S}              exit status 1
//
// Usage:
//   node upload.mjs --file PATH --token TOKEN --endpoint URL --case-id ID [--filename NAME]
//        [--activity bath] [--chunk-size BYTES] [--retry-delays 0,200,500]
//        [--data-during-creation] [--abort-after BYTES] [--throttle BYTES_PER_S]
//   node upload.mjs --file PATH --token TOKEN --upload-url URL ...   (resume)
//
// When resuming, no endpoint is given on purpose: if the server no longer knew
// the upload, tus-js-client would otherwise quietly start a new one from byte 0.

import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { Transform } from 'node:stream'
import { parseArgs } from 'node:util'
import * as tus from 'tus-js-client'

const { values: args } = parseArgs({
  options: {
    file: { type: 'string' },
    token: { type: 'string' },
    endpoint: { type: 'string' },
    'upload-url': { type: 'string' },
    'case-id': { type: 'string' },
    filename: { type: 'string' },
    activity: { type: 'string' },
    'chunk-size': { type: 'string' },
    'retry-delays': { type: 'string', default: '0,200,500,1000' },
    'data-during-creation': { type: 'boolean', default: false },
    'abort-after': { type: 'string' },
    throttle: { type: 'string' },
  },
  strict: true,
})

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

function fail(message) {
  emit({ event: 'error', message, sent: meter.sent })
  process.exit(1)
}

if (!args.file || !args.token || !(args.endpoint || args['upload-url'])) {
  process.stderr.write('need --file, --token and --endpoint or --upload-url\n')
  process.exit(2)
}

// Counts (and optionally paces) every byte the client reads from the file into
// a request body, so a test can tell how much a resumed run really sent.
const meter = { sent: 0 }
const rate = args.throttle ? Number(args.throttle) : 0

class Meter extends Transform {
  constructor() {
    super()
    this.started = null
    this.passed = 0
  }

  _transform(chunk, _encoding, callback) {
    meter.sent += chunk.length
    if (!rate) {
      callback(null, chunk)
      return
    }
    this.started ??= Date.now()
    this.passed += chunk.length
    const wait = this.started + (this.passed / rate) * 1000 - Date.now()
    if (wait > 0) setTimeout(() => callback(null, chunk), wait)
    else callback(null, chunk)
  }
}

// The node build reads an fs.ReadStream slice by slice; each slice becomes a
// request body. Wrapping the slices keeps tus-js-client's own reading logic.
const defaultReader = tus.defaultOptions.fileReader
const fileReader = {
  async openFile(input, chunkSize) {
    const source = await defaultReader.openFile(input, chunkSize)
    return {
      size: source.size,
      async slice(start, end) {
        const { value, done } = await source.slice(start, end)
        if (value == null) return { value, done }
        const metered = value.pipe(new Meter())
        value.on('error', (err) => metered.destroy(err))
        metered.size = value.size
        return { value: metered, done }
      },
      close() {
        source.close()
      },
    }
  },
}

const metadata = { filename: args.filename ?? basename(args.file) }
if (args['case-id']) metadata.case_id = args['case-id']
if (args.activity) metadata.activity = args.activity

const delays = args['retry-delays'].split(',').filter((d) => d !== '').map(Number)
const abortAfter = args['abort-after'] ? Number(args['abort-after']) : null
let aborted = false

const upload = new tus.Upload(createReadStream(args.file), {
  endpoint: args['upload-url'] ? null : args.endpoint,
  uploadUrl: args['upload-url'] ?? null,
  headers: { Authorization: `Bearer ${args.token}` },
  metadata,
  chunkSize: args['chunk-size'] ? Number(args['chunk-size']) : Number.POSITIVE_INFINITY,
  retryDelays: delays.length ? delays : null,
  uploadDataDuringCreation: args['data-during-creation'],
  storeFingerprintForResuming: false,
  fileReader,
  onBeforeRequest(req) {
    const offset = req.getHeader('Upload-Offset')
    emit({
      event: 'request',
      method: req.getMethod(),
      offset: offset === undefined ? null : Number(offset),
    })
  },
  onAfterResponse(req, res) {
    const offset = res.getHeader('Upload-Offset')
    const clipId = res.getHeader('Attune-Clip-Id') ?? null
    emit({
      event: 'response',
      method: req.getMethod(),
      status: res.getStatus(),
      offset: offset === undefined ? null : Number(offset),
      clip_id: clipId,
    })
    if (req.getMethod() === 'POST' && res.getStatus() === 201) {
      emit({ event: 'created', url: res.getHeader('Location'), clip_id: clipId })
    }
  },
  onProgress(bytes, total) {
    if (aborted) return
    emit({ event: 'progress', bytes, total })
    if (abortAfter !== null && bytes >= abortAfter) {
      aborted = true
      upload.abort().then(() => {
        emit({ event: 'aborted', url: upload.url, bytes, sent: meter.sent })
        process.exit(0)
      })
    }
  },
  onSuccess() {
    emit({ event: 'success', url: upload.url, sent: meter.sent })
    process.exit(0)
  },
  onError(err) {
    fail(String(err?.message ?? err))
  },
})

upload.start()
