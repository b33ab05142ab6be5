"use strict";
var __assign = (this && this.__assign) || function () {
    __assign = Object.assign || function(t) {
        for (var s, i = 1, n = arguments.length; i < n; i++) {
            s = arguments[i];
            for (var p in s) if (Object.prototype.hasOwnProperty.call(s, p))
                t[p] = s[p];
        }
        return t;
    };
    return __assign.apply(this, arguments);
};
var __awaiter = (this && this.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
var __generator = (this && this.__generator) || function (thisArg, body) {
    var _ = { label: 0, sent: function() { if (t[0] & 1) throw t[1]; return t[1]; }, trys: [], ops: [] }, f, y, t, g = Object.create((typeof Iterator === "function" ? Iterator : Object).prototype);
    return g.next = verb(0), g["throw"] = verb(1), g["return"] = verb(2), typeof Symbol === "function" && (g[Symbol.iterator] = function() { return this; }), g;
    function verb(n) { return function (v) { return step([n, v]); }; }
    function step(op) {
        if (f) throw new TypeError("Generator is already executing.");
        while (g && (g = 0, op[0] && (_ = 0)), _) try {
            if (f = 1, y && (t = op[0] & 2 ? y["return"] : op[0] ? y["throw"] || ((t = y["return"]) && t.call(y), 0) : y.next) && !(t = t.call(y, op[1])).done) return t;
            if (y = 0, t) op = [op[0] & 2, t.value];
            switch (op[0]) {
                case 0: case 1: t = op; break;
                case 4: _.label++; return { value: op[1], done: false };
                case 5: _.label++; y = op[1]; op = [0]; continue;
                case 7: op = _.ops.pop(); _.trys.pop(); continue;
                default:
                    if (!(t = _.trys, t = t.length > 0 && t[t.length - 1]) && (op[0] === 6 || op[0] === 2)) { _ = 0; continue; }
                    if (op[0] === 3 && (!t || (op[1] > t[0] && op[1] < t[3]))) { _.label = op[1]; break; }
                    if (op[0] === 6 && _.label < t[1]) { _.label = t[1]; t = op; break; }
                    if (t && _.label < t[2]) { _.label = t[2]; _.ops.push(op); break; }
                    if (t[2]) _.ops.pop();
                    _.trys.pop(); continue;
            }
            op = body.call(thisArg, _);
        } catch (e) { op = [6, e]; y = 0; } finally { f = t = 0; }
        if (op[0] & 5) throw op[1]; return { value: op[0] ? op[1] : void 0, done: true };
    }
};
var __spreadArray = (this && this.__spreadArray) || function (to, from, pack) {
    if (pack || arguments.length === 2) for (var i = 0, l = from.length, ar; i < l; i++) {
        if (ar || !(i in from)) {
            if (!ar) ar = Array.prototype.slice.call(from, 0, i);
            ar[i] = from[i];
        }
    }
    return to.concat(ar || Array.prototype.slice.call(from));
};
var _a;
Object.defineProperty(exports, "__esModule", { value: true });
var token = (_a = new URLSearchParams(location.search).get('token')) !== null && _a !== void 0 ? _a : '';
var TOKEN_HEADER = 'x-console-token';
function h(tag, attrs) {
    if (attrs === void 0) { attrs = {}; }
    var children = [];
    for (var _i = 2; _i < arguments.length; _i++) {
        children[_i - 2] = arguments[_i];
    }
    var element = document.createElement(tag);
    for (var _a = 0, _b = Object.entries(attrs); _a < _b.length; _a++) {
        var _c = _b[_a], name_1 = _c[0], value = _c[1];
        if (value !== undefined)
            element.setAttribute(name_1, value);
    }
    for (var _d = 0, children_1 = children; _d < children_1.length; _d++) {
        var child = children_1[_d];
        if (child === undefined || child === null || child === false)
            continue;
        element.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return element;
}
var byId = function (id) { return document.getElementById(id); };
function api(path_1) {
    return __awaiter(this, arguments, void 0, function (path, init) {
        var response;
        var _a, _b;
        var _c;
        if (init === void 0) { init = {}; }
        return __generator(this, function (_d) {
            switch (_d.label) {
                case 0: return [4 /*yield*/, fetch(path, __assign({ method: (_c = init.method) !== null && _c !== void 0 ? _c : 'GET', headers: __assign((_a = {}, _a[TOKEN_HEADER] = token, _a), (init.body !== undefined ? { 'content-type': 'application/json' } : {})) }, (init.body !== undefined ? { body: JSON.stringify(init.body) } : {})))];
                case 1:
                    response = _d.sent();
                    _b = { status: response.status };
                    return [4 /*yield*/, response.json()];
                case 2: return [2 /*return*/, (_b.body = (_d.sent()), _b)];
            }
        });
    });
}
// ---- state ------------------------------------------------------------------------------------
var MAX_INVOCATIONS = 2000;
var stage = '';
var mappings = [];
var invocations = new Map();
var metrics = new Map();
var metricsWindow = 600;
var selected;
var deadLetterResults = new Map();
var lastActionResults = [];
var upsert = function (list) {
    for (var _i = 0, list_1 = list; _i < list_1.length; _i++) {
        var view = list_1[_i];
        invocations.set(view.requestId, view);
    }
    while (invocations.size > MAX_INVOCATIONS)
        invocations.delete(invocations.keys().next().value);
};
// ---- formatting -------------------------------------------------------------------------------
var ms = function (value) {
    return (value === undefined ? '–' : value >= 10000 ? "".concat((value / 1000).toFixed(1), " s") : "".concat(Math.round(value), " ms"));
};
var clock = function (at) { return new Date(at).toLocaleTimeString([], { hour12: false }); };
var shortSeq = function (seq) { return (seq === undefined ? '–' : seq.length > 12 ? "\u2026".concat(seq.slice(-8)) : seq); };
var keyText = function (keys) {
    return Object.entries(keys)
        .map(function (_a) {
        var _b;
        var name = _a[0], value = _a[1];
        var _c = (_b = Object.entries((value !== null && value !== void 0 ? value : {}))[0]) !== null && _b !== void 0 ? _b : ['?', ''], type = _c[0], inner = _c[1];
        return "".concat(name, "=").concat(typeof inner === 'string' ? inner : JSON.stringify(inner)).concat(type === 'S' ? '' : " (".concat(type, ")"));
    })
        .join(', ');
};
function statusText(view) {
    var _a;
    switch (view.status) {
        case 'running':
            return 'running';
        case 'ok':
            return view.finalInvokeForWindow ? 'ok (window closed)' : 'ok';
        case 'partial':
            return "partial failure at ".concat(view.failedIndex !== undefined ? "record ".concat(view.failedIndex + 1) : shortSeq(view.failedAt));
        case 'error':
            return "error ".concat((_a = view.errorType) !== null && _a !== void 0 ? _a : '').trim();
        case 'timeout':
            return 'timeout';
        case 'not-invoked':
            return 'not invoked';
    }
}
function nextText(view) {
    var _a, _b;
    if (view.deadLetter)
        return "dead-lettered (".concat(view.deadLetter.condition, ")");
    var next = view.next;
    if (!next)
        return '';
    switch (next.kind) {
        case 'ack':
            return '';
        case 'retry':
            return "retry ".concat(next.retry, " of ").concat(next.maxRetries === -1 ? '∞ (until expiry)' : next.maxRetries);
        case 'split':
            return next.at === 'failure' ? 'split at the failure' : "split ".concat((_a = next.parts) === null || _a === void 0 ? void 0 : _a[0], " + ").concat((_b = next.parts) === null || _b === void 0 ? void 0 : _b[1]);
        case 'deadLetter':
            return 'dead-lettered';
        case 'giveUp':
            return 'given up';
    }
}
function causeText(view) {
    var cause = view.cause;
    if (!cause)
        return '';
    if (cause.kind === 'retry')
        return "retry ".concat(cause.retry, " of ").concat(cause.maxRetries === -1 ? '∞' : cause.maxRetries);
    return cause.at === 'failure' ? 'after split at failure' : "half ".concat(cause.part);
}
// ---- views ------------------------------------------------------------------------------------
function settingRows(m) {
    var s = m.settings;
    return [
        ['starting position', s.startingPosition],
        ['batch size', String(s.batchSize)],
        ['batch window', "".concat(s.batchWindowSeconds, " s")],
        ['retries', s.maximumRetryAttempts === -1 ? 'until the records expire' : String(s.maximumRetryAttempts)],
        ['max record age', s.maximumRecordAgeInSeconds === -1 ? 'none' : "".concat(s.maximumRecordAgeInSeconds, " s")],
        ['bisect on error', s.bisectBatchOnFunctionError ? 'yes' : 'no'],
        ['report item failures', s.reportBatchItemFailures ? 'yes' : 'no'],
        ['parallelization', String(s.parallelizationFactor)],
        ['tumbling window', s.tumblingWindowInSeconds > 0 ? "".concat(s.tumblingWindowInSeconds, " s") : 'off'],
        ['filters', s.filterPatterns.length === 0 ? 'none' : s.filterPatterns.map(function (f) { return JSON.stringify(f); }).join(' OR ')],
        ['timeout', "".concat(s.functionTimeoutSeconds, " s")],
        ['on failure', s.onFailureDestination ? "".concat(s.onFailureDestination, " \u2192 dead-letter store") : 'dead-letter store'],
        ['images', m.debugImages ? 'shown (LOG_LEVEL debug)' : 'hidden (function not at debug level)'],
    ];
}
function renderMappings() {
    var root = byId('view-mappings');
    var cards = mappings.map(function (m) {
        return h('article', { class: 'card', 'data-mapping': m.key }, h('h2', {}, "".concat(m.functionName, " \u2190 ").concat(m.tableName, " "), h('span', { class: "badge ".concat(m.enabled ? 'ok' : 'off'),
            'data-enabled': String(m.enabled) }, m.enabled ? 'enabled' : 'disabled')), h.apply(void 0, __spreadArray(['dl',
            {},
            h('dt', {}, 'iterator age'),
            h('dd', { 'data-field': 'iterator-age' }, ms(m.iteratorAgeMs)),
            h('dt', {}, 'records behind'),
            h('dd', { 'data-field': 'records-behind' }, behindText(m))], settingRows(m).flatMap(function (_a) {
            var name = _a[0], value = _a[1];
            return [h('dt', {}, name), h('dd', {}, value)];
        }), false)), h.apply(void 0, __spreadArray(['table',
            {},
            h('tr', {}, h('th', {}, 'shard'), h('th', {}, 'position (checkpoint)'), h('th', {}, 'age'), h('th', {}, 'behind'))], (m.shards.length === 0
            ? [h('tr', {}, h('td', { colspan: '4', class: 'empty' }, 'no shard read yet'))]
            : m.shards.map(function (s) {
                var _a;
                return h('tr', { 'data-shard': s.shardId }, h('td', { class: 'mono' }, s.shardId, s.finished ? ' (finished)' : ''), h('td', { class: 'mono' }, (_a = s.position) !== null && _a !== void 0 ? _a : (s.start ? "start: ".concat(s.start) : '–')), h('td', {}, ms(s.iteratorAgeMs)), h('td', {}, s.recordsBehind === undefined ? '–' : "".concat(s.recordsBehind).concat(s.recordsBehindCapped ? '+' : '')));
            })), false)));
    });
    root.replaceChildren(mappings.length === 0 ? h('p', { class: 'empty' }, 'No function has a stream event.') : h.apply(void 0, __spreadArray(['div', { class: 'cards' }], cards, false)));
}
function behindText(m) {
    var counted = m.shards.filter(function (s) { return s.recordsBehind !== undefined; });
    if (counted.length === 0)
        return '–';
    var total = counted.reduce(function (sum, s) { var _a; return sum + ((_a = s.recordsBehind) !== null && _a !== void 0 ? _a : 0); }, 0);
    return "".concat(total).concat(counted.some(function (s) { return s.recordsBehindCapped; }) ? '+' : '');
}
function nodeOf(view, children) {
    var _a;
    var dead = view.deadLetter !== undefined;
    var row = h('div', __assign({ class: "node".concat(selected === view.requestId ? ' selected' : ''), 'data-request-id': view.requestId, 'data-status': view.status, 'data-dead-lettered': String(dead) }, (view.cause ? { 'data-cause': view.cause.kind === 'retry' ? 'retry' : "split-".concat(view.cause.at) } : {})), h('span', { class: 'time' }, clock(view.at)), h('span', { class: "badge ".concat(view.status) }, statusText(view)), view.cause && h('span', { class: 'cause' }, causeText(view)), h('span', {}, "".concat(view.batchSize, " record").concat(view.batchSize === 1 ? '' : 's')), h('span', { class: 'seq mono' }, "".concat(shortSeq(view.firstSequenceNumber), "..").concat(shortSeq(view.lastSequenceNumber))), h('span', {}, "#".concat(view.attempt)), h('span', {}, ms(view.durationMs)), view.initDurationMs !== undefined && h('span', { class: 'next' }, "init ".concat(ms(view.initDurationMs))), nextText(view) && h('span', { class: "next".concat(dead ? ' badge dead' : '') }, nextText(view)));
    row.addEventListener('click', function (event) {
        event.stopPropagation();
        void showDetail(view.requestId);
    });
    var kids = ((_a = children.get(view.requestId)) !== null && _a !== void 0 ? _a : []).sort(function (a, b) { return a.at - b.at; });
    if (kids.length === 0)
        return row;
    return h('div', {}, row, h.apply(void 0, __spreadArray(['div', { class: 'children' }], kids.map(function (kid) { return nodeOf(kid, children); }), false)));
}
function renderInvocations() {
    var root = byId('timelines');
    var all = __spreadArray([], invocations.values(), true);
    var sections = mappings.map(function (m) {
        var _a;
        var mine = all.filter(function (view) { return view.mappingKey === m.key; });
        var present = new Set(mine.map(function (view) { return view.requestId; }));
        var children = new Map();
        var roots = [];
        for (var _i = 0, mine_1 = mine; _i < mine_1.length; _i++) {
            var view = mine_1[_i];
            if (view.parentRequestId && present.has(view.parentRequestId))
                children.set(view.parentRequestId, __spreadArray(__spreadArray([], ((_a = children.get(view.parentRequestId)) !== null && _a !== void 0 ? _a : []), true), [view], false));
            else
                roots.push(view);
        }
        roots.sort(function (a, b) { return b.at - a.at; });
        return h('section', { class: 'timeline', 'data-mapping': m.key }, h('h2', {}, "".concat(m.functionName, " \u2190 ").concat(m.tableName)), roots.length === 0
            ? h('p', { class: 'empty' }, 'No invocation yet.')
            : h.apply(void 0, __spreadArray(['div', {}], roots.slice(0, 150).map(function (view) { return h('div', { class: 'tree', 'data-root': view.requestId }, nodeOf(view, children)); }), false)));
    });
    root.replaceChildren.apply(root, sections);
}
function showDetail(requestId) {
    return __awaiter(this, void 0, void 0, function () {
        var panel, _a, status, body, v;
        var _b, _c, _d;
        return __generator(this, function (_e) {
            switch (_e.label) {
                case 0:
                    selected = requestId;
                    panel = byId('detail');
                    panel.hidden = false;
                    return [4 /*yield*/, api("/api/invocations/".concat(encodeURIComponent(requestId)))];
                case 1:
                    _a = _e.sent(), status = _a.status, body = _a.body;
                    if (status !== 200) {
                        panel.replaceChildren(h('p', {}, (_b = body.error) !== null && _b !== void 0 ? _b : "HTTP ".concat(status)));
                        return [2 /*return*/];
                    }
                    v = body.invocation;
                    panel.replaceChildren(h('h2', {}, "Invocation ".concat(v.requestId)), h('p', {}, h('span', { class: "badge ".concat(v.status) }, statusText(v)), ' ', nextText(v), v.errorMessage ? h('pre', {}, v.errorMessage) : null, v.notInvokedReason ? h('pre', {}, v.notInvokedReason) : null), h('p', { class: 'mono' }, "shard ".concat(v.shardId, ", ").concat((_c = v.firstSequenceNumber) !== null && _c !== void 0 ? _c : '–', "..").concat((_d = v.lastSequenceNumber) !== null && _d !== void 0 ? _d : '–')), h('h3', {}, "Records (".concat(body.records.length).concat(body.recordsOmitted ? ", ".concat(body.recordsOmitted, " more not kept") : '', ")")), body.imagesShown ? '' : h('p', { class: 'empty' }, 'Images are shown only when the function runs with LOG_LEVEL=debug.'), h.apply(void 0, __spreadArray(['table',
                        { id: 'detail-records' },
                        h('tr', {}, h('th', {}, '#'), h('th', {}, 'event'), h('th', {}, 'keys'), h('th', {}, 'sequence number'))], body.records.map(function (record, index) {
                        return h('tr', { 'data-sequence-number': record.sequenceNumber, 'data-event-name': record.eventName }, h('td', {}, index + 1), h('td', {}, record.eventName), h('td', { class: 'mono' }, keyText(record.keys), record.newImage ? h('pre', {}, "NewImage ".concat(JSON.stringify(record.newImage, null, 1))) : null, record.oldImage ? h('pre', {}, "OldImage ".concat(JSON.stringify(record.oldImage, null, 1))) : null, record.imageOmitted ? h('div', { class: 'empty' }, record.imageOmitted) : null), h('td', { class: 'mono' }, record.sequenceNumber));
                    }), false)), h('h3', {}, "Handler log (".concat(body.logs.length, " lines)")), h('pre', { id: 'detail-logs' }, body.logs.map(function (line) { return line.line; }).join('\n') || 'no lines'));
                    renderInvocations();
                    return [2 /*return*/];
            }
        });
    });
}
function renderDeadLetters() {
    return __awaiter(this, void 0, void 0, function () {
        var root, _a, status, body, rows, done;
        var _this = this;
        var _b;
        return __generator(this, function (_c) {
            switch (_c.label) {
                case 0:
                    root = byId('view-dead-letters');
                    return [4 /*yield*/, api('/api/dead-letters')];
                case 1:
                    _a = _c.sent(), status = _a.status, body = _a.body;
                    if (status !== 200) {
                        root.replaceChildren(h('p', {}, (_b = body.error) !== null && _b !== void 0 ? _b : "HTTP ".concat(status)));
                        return [2 /*return*/];
                    }
                    rows = body.rows.map(function (row) {
                        var _a, _b;
                        var result = deadLetterResults.get(row.id);
                        var payload = h('pre', { hidden: '', 'data-payload': row.id });
                        var act = function (action) { return function (event) { return __awaiter(_this, void 0, void 0, function () {
                            var buttons, path, answer;
                            return __generator(this, function (_a) {
                                switch (_a.label) {
                                    case 0:
                                        buttons = event.target.closest('td').querySelectorAll('button');
                                        buttons.forEach(function (b) { return (b.disabled = true); });
                                        path = "/api/dead-letters/".concat(encodeURIComponent(row.id), "/").concat(action === 'remove' ? 'remove' : 'redrive');
                                        return [4 /*yield*/, api(path, { method: 'POST',
                                                body: action === 'remove' ? {} : { fromItem: action === 'redrive-from-item' } })];
                                    case 1:
                                        answer = _a.sent();
                                        deadLetterResults.set(row.id, answer.body);
                                        lastActionResults.unshift(answer.body);
                                        lastActionResults.splice(10);
                                        return [4 /*yield*/, renderDeadLetters()];
                                    case 2:
                                        _a.sent();
                                        return [2 /*return*/];
                                }
                            });
                        }); }; };
                        var show = function () { return __awaiter(_this, void 0, void 0, function () {
                            var entry;
                            return __generator(this, function (_a) {
                                switch (_a.label) {
                                    case 0:
                                        if (!payload.hidden)
                                            return [2 /*return*/, void (payload.hidden = true)];
                                        return [4 /*yield*/, api("/api/dead-letters/".concat(encodeURIComponent(row.id)))];
                                    case 1:
                                        entry = _a.sent();
                                        payload.textContent = JSON.stringify(entry.body, null, 2);
                                        payload.hidden = false;
                                        return [2 /*return*/];
                                }
                            });
                        }); };
                        var button = function (label, action, attrs) {
                            if (attrs === void 0) { attrs = {}; }
                            var element = h('button', attrs, label);
                            element.addEventListener('click', function (event) { return void action(event); });
                            return element;
                        };
                        return h('tr', { 'data-dead-letter-id': row.id }, h('td', {}, row.functionName), h('td', {}, row.condition), h('td', {}, (_a = row.error) !== null && _a !== void 0 ? _a : '–'), h('td', { class: 'mono' }, row.shardId), h('td', { class: 'mono' }, "".concat(row.startSequenceNumber, "..").concat(row.endSequenceNumber, " (").concat(row.batchSize, ")")), h('td', { class: 'mono' }, row.firstKeys ? "".concat(row.firstEventName, " ").concat(keyText(row.firstKeys)) : ((_b = row.firstKeysProblem) !== null && _b !== void 0 ? _b : '–')), h('td', {}, new Date(row.time).toLocaleString([], { hour12: false })), h('td', {}, button('Payload', show, { 'data-action': 'payload' }), button('Redrive', act('redrive'), { 'data-action': 'redrive' }), button('Redrive from item', act('redrive-from-item'), { 'data-action': 'redrive-from-item' }), button('Remove', act('remove'), { 'data-action': 'remove', class: 'danger' }), result && h('div', { class: "result ".concat(result.ok ? 'ok' : 'failed'), 'data-result': result.ok ? 'ok' : 'failed' }, result.ok ? result.message : "".concat(result.errorName, ": ").concat(result.message)), payload));
                    });
                    done = lastActionResults.filter(function (result) { return result.ok && !body.rows.some(function (row) { return row.id === result.id; }); });
                    root.replaceChildren.apply(root, __spreadArray(__spreadArray([h('h2', {}, "Dead letters (".concat(body.rows.length, ")")),
                        body.rows.length === 0
                            ? h('p', { class: 'empty', 'data-empty': 'dead-letters' }, 'The dead-letter store is empty.')
                            : h.apply(void 0, __spreadArray(['table',
                                { id: 'dead-letter-table' }, h.apply(void 0, __spreadArray(['tr', {}], ['function', 'condition', 'error', 'shard', 'sequence range', 'first record', 'time', ''].map(function (name) { return h('th', {}, name); }), false))], rows, false))], done.map(function (result) { return h('p', { class: 'result ok', 'data-result': 'ok', 'data-dead-letter-result': result.id }, "".concat(result.id, ": ").concat(result.message)); }), false), body.unreadable.map(function (file) { return h('p', { class: 'result failed' }, "Unreadable file ".concat(file.file, ": ").concat(file.reason)); }), false));
                    return [2 /*return*/];
            }
        });
    });
}
function chart(title, points, value, unit) {
    var width = 600;
    var height = 120;
    var values = points.map(function (p) { var _a; return (_a = value(p)) !== null && _a !== void 0 ? _a : 0; });
    var max = Math.max.apply(Math, __spreadArray([1], values, false));
    var step = points.length > 1 ? width / (points.length - 1) : width;
    var svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', "0 0 ".concat(width, " ").concat(height));
    svg.setAttribute('preserveAspectRatio', 'none');
    var line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', values.map(function (v, i) {
        return "".concat((i * step).toFixed(1), ",").concat((height - 4 - (v / max) * (height - 16)).toFixed(1));
    }).join(' '));
    var axis = document.createElementNS('http://www.w3.org/2000/svg', 'line');
    for (var _i = 0, _a = Object.entries({ x1: 0, y1: height - 4, x2: width, y2: height - 4 }); _i < _a.length; _i++) {
        var _b = _a[_i], name_2 = _b[0], v = _b[1];
        axis.setAttribute(name_2, String(v));
    }
    axis.setAttribute('class', 'axis');
    svg.append(axis, line);
    // The scale goes in the heading: text inside a stretched SVG would be stretched too.
    var heading = "".concat(title, ", last ").concat(Math.round(points.length / 60), " min (top: ").concat(Math.round(max), " ").concat(unit, ")");
    return h('div', { class: 'chart', 'data-chart': title }, h('h3', {}, heading), svg);
}
function renderCharts() {
    var root = byId('view-charts');
    root.replaceChildren.apply(root, mappings.map(function (m) {
        var _a;
        var points = (_a = metrics.get(m.key)) !== null && _a !== void 0 ? _a : [];
        return h('section', { 'data-mapping': m.key }, h('h2', {}, "".concat(m.functionName, " \u2190 ").concat(m.tableName)), h('div', { class: 'charts' }, chart('records per second', points, function (p) { return p.records; }, 'rec/s'), chart('invocation duration (max)', points, function (p) { return p.durationMsMax; }, 'ms'), chart('iterator age (max)', points, function (p) { return p.iteratorAgeMsMax; }, 'ms')));
    }));
}
function renderTables(table, startKey) {
    return __awaiter(this, void 0, void 0, function () {
        var root, list, links, items, query, page, next_1, more;
        var _a, _b, _c, _d;
        return __generator(this, function (_e) {
            switch (_e.label) {
                case 0:
                    root = byId('view-tables');
                    return [4 /*yield*/, api('/api/tables')];
                case 1:
                    list = _e.sent();
                    links = h('div', {}, h('h2', {}, 'Tables (read-only)'), h.apply(void 0, __spreadArray(['table',
                        {}], list.body.map(function (t) {
                        var link = h('a', { class: 'table-link', 'data-table': t.name }, t.name);
                        link.addEventListener('click', function () { return void renderTables(t.name); });
                        return h('tr', {}, h('td', {}, link), h('td', {}, t.keys.join(', ')), h('td', {}, t.stream ? "stream ".concat(t.stream) : ''));
                    }), false)));
                    items = h('p', { class: 'empty' }, 'Choose a table.');
                    if (!table) return [3 /*break*/, 3];
                    query = startKey ? "?startKey=".concat(encodeURIComponent(startKey)) : '';
                    return [4 /*yield*/, api("/api/tables/".concat(encodeURIComponent(table), "/items").concat(query))];
                case 2:
                    page = _e.sent();
                    next_1 = page.body.nextStartKey;
                    more = next_1 ? h('button', {}, 'Next page') : null;
                    more === null || more === void 0 ? void 0 : more.addEventListener('click', function () { return void renderTables(table, next_1); });
                    items = h('div', { 'data-items-of': table }, h('h2', {}, "".concat(table, ": ").concat((_b = (_a = page.body.items) === null || _a === void 0 ? void 0 : _a.length) !== null && _b !== void 0 ? _b : 0, " item(s)").concat(startKey ? ' (next page)' : '')), page.status !== 200 ? h('p', {}, (_c = page.body.error) !== null && _c !== void 0 ? _c : '') : h.apply(void 0, __spreadArray(['div', {}], ((_d = page.body.items) !== null && _d !== void 0 ? _d : []).map(function (item) { return h('pre', {}, JSON.stringify(item)); }), false)), more);
                    _e.label = 3;
                case 3:
                    root.replaceChildren(h('div', { class: 'split' }, links, items));
                    return [2 /*return*/];
            }
        });
    });
}
// ---- routing and live updates -------------------------------------------------------------------
var views = ['mappings', 'invocations', 'dead-letters', 'charts', 'tables'];
var current = function () { return views.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'mappings'; };
function render() {
    var view = current();
    for (var _i = 0, views_1 = views; _i < views_1.length; _i++) {
        var name_3 = views_1[_i];
        byId("view-".concat(name_3)).classList.toggle('active', name_3 === view);
    }
    document.querySelectorAll('#tabs a').forEach(function (a) { return a.classList.toggle('active', a.dataset.view === view); });
    if (view === 'mappings')
        renderMappings();
    if (view === 'invocations')
        renderInvocations();
    if (view === 'dead-letters')
        void renderDeadLetters();
    if (view === 'charts')
        renderCharts();
    if (view === 'tables')
        void renderTables();
}
var pending = false;
var renderSoon = function (only) {
    if (only !== undefined && current() !== only)
        return;
    if (pending)
        return;
    pending = true;
    requestAnimationFrame(function () {
        pending = false;
        var view = current();
        if (view === 'mappings')
            renderMappings();
        if (view === 'invocations')
            renderInvocations();
        if (view === 'charts')
            renderCharts();
    });
};
function applySnapshot(snapshot) {
    stage = snapshot.stage;
    byId('stage').textContent = "stage ".concat(stage);
    mappings = snapshot.mappings;
    invocations.clear();
    upsert(snapshot.invocations);
    metricsWindow = snapshot.metricsWindowSeconds;
    metrics.clear();
    for (var _i = 0, _a = Object.entries(snapshot.metrics); _i < _a.length; _i++) {
        var _b = _a[_i], key = _b[0], points = _b[1];
        metrics.set(key, points);
    }
    render();
}
function addPoints(points) {
    var _a, _b;
    var _loop_1 = function (key, point) {
        var series = ((_a = metrics.get(key)) !== null && _a !== void 0 ? _a : []).filter(function (p) { return p.t !== point.t; });
        var last = series[series.length - 1];
        // Seconds the server did not send (a busy tick) are seconds without activity.
        for (var t = ((_b = last === null || last === void 0 ? void 0 : last.t) !== null && _b !== void 0 ? _b : point.t - 1) + 1; t < point.t; t += 1)
            series.push({ t: t, records: 0, invocations: 0 });
        series.push(point);
        metrics.set(key, series.slice(-metricsWindow));
    };
    for (var _i = 0, _c = Object.entries(points); _i < _c.length; _i++) {
        var _d = _c[_i], key = _d[0], point = _d[1];
        _loop_1(key, point);
    }
}
function connect() {
    var connection = byId('connection');
    var events = new EventSource("/api/events?token=".concat(encodeURIComponent(token)));
    var on = function (type, handle) {
        return events.addEventListener(type, function (event) { return handle(JSON.parse(event.data)); });
    };
    on('snapshot', function (message) {
        connection.dataset.state = 'live';
        connection.textContent = 'live';
        applySnapshot(message.snapshot);
    });
    on('invocations', function (message) {
        upsert(message.invocations);
        renderSoon('invocations');
    });
    on('mappings', function (message) {
        mappings = message.mappings;
        renderSoon('mappings');
    });
    on('metrics', function (message) {
        addPoints(message.points);
        renderSoon('charts');
    });
    on('deadLetters', function () {
        if (current() === 'dead-letters')
            void renderDeadLetters();
    });
    events.onerror = function () {
        connection.dataset.state = 'lost';
        connection.textContent = token ? 'reconnecting…' : 'no token: open the URL the ready banner prints';
    };
}
window.addEventListener('hashchange', render);
document.addEventListener('DOMContentLoaded', function () {
    render();
    connect();
});
