"use client";

/**
 * Interface language (English or Chinese): a small dictionary, a React context, and the choice kept
 * in the browser (localStorage `quantdb.lang`). Only interface text is translated: stock names and
 * every figure are shown as the API gives them. Server and first client render use English, then
 * the stored choice applies (no hydration mismatch).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

export type Lang = "en" | "zh";
const LANG_STORAGE_KEY = "quantdb.lang";

const en = {
  "nav.stock": "Stock",
  "nav.index": "Index",
  "nav.crypto": "Crypto",
  "nav.compare": "Compare",
  "nav.screen": "Screen",
  "nav.watchlist": "Watchlist",
  "nav.calendar": "Calendar",
  "nav.cache": "Cache",
  "nav.status": "Status",
  "lang.toggle": "中文",
  "lang.label": "Switch the interface to Chinese",
  "apiKey.none": "API key",
  "apiKey.set": "API key {prefix}…",
  "apiKey.label": "API key, kept in this tab only",
  "apiKey.save": "Save",
  "apiKey.forget": "Forget",
  "apiKey.saved": "Saved for this tab: sent as Authorization: Bearer.",
  "apiKey.forgotten": "Forgotten.",
  "apiKey.malformed": "That is not a QuantDB API key (qdb_ followed by 43 characters).",
  "apiKey.rejected": "The API does not accept this key: {message}",
  "apiKey.hint": "Create an admin key on the server with",
  "admin.keyNeeded": "This needs an admin API key: create one with {command} and enter it above",
  loading: "Loading…",
  "search.label": "Search stocks, indices and crypto pairs by code or name",
  "search.placeholder": "Code or name: 600519, 茅台, 00700, BTC/USDT",
  "search.go": "Go",
  "search.results": "Matching instruments",
  "search.index": "index",
  "search.searching": "Searching…",
  "search.none": "No stock or held instrument matches “{q}”.",
  "search.noneAny": "No stock, held instrument or crypto pair matches “{q}”.",
  "search.crypto": "crypto",
  "search.volume24h": "24 h {value}",
  "search.inactive": "inactive",
  "search.loadingPairs": "Loading the pairs of {exchanges}…",
  "search.exchangeNotServed": "This API does not serve {exchange} (it serves {served}).",
  "search.missing": "Stock lists not fetched yet:",
  "search.loadList": "load {market}",
  "search.loadingList": "loading {market}…",
  "status.title": "Status",
  "status.health": "Health",
  "status.status": "Status",
  "status.database": "Database",
  "status.clock": "Server clock (UTC)",
  "status.version": "Version",
  "status.upstreams": "Upstream hosts",
  "status.notReported": "Not reported by this API version.",
  "status.host": "Host",
  "status.reachable": "Reachable",
  "status.circuit": "Circuit",
  "status.lastError": "Last error",
  "status.calls": "Calls ok / failed / retried / rejected",
  "status.none": "none",
  "status.yes": "yes",
  "status.no": "no",
  "cache.title": "Cache",
  "cache.activity": "Activity, last 60 minutes",
  "cache.activityEmpty": "No history requests in the last hour.",
  "cache.requests": "Requests",
  "cache.upstreamCalls": "Upstream calls",
  "cache.hitRatio": "Hit ratio",
  "cache.latency": "Request latency (ms)",
  "cache.busyMinutes": "Minutes with activity ({n}), as a table",
  "watchlist.title": "Watchlist",
  "watchlist.add": "Add",
  "watchlist.remove": "Remove",
  "watchlist.empty": "The watchlist is empty. Add a symbol above.",
  "watchlist.loading": "Loading quotes…",
  "watchlist.open": "Market open: refreshing every 15 s",
  "watchlist.closed": "Markets closed: not refreshing",
  "watchlist.crypto": "Crypto trades around the clock: refreshing every 15 s",
  "watchlist.placeholder": "Symbol, e.g. 600519, 00700 or binance:BTC/USDT",
  "live.live": "Live",
  "live.closed": "Closed · opens {time}",
  "live.break": "Break · opens {time}",
  "live.closedNoOpen": "Closed",
  "live.degraded": "Degraded",
  "live.polling": "Polling",
  "live.connecting": "Connecting…",
  "col.symbol": "Symbol",
  "col.name": "Name",
  "col.price": "Price",
  "col.date": "Date",
  "col.open": "Open",
  "col.high": "High",
  "col.low": "Low",
  "col.close": "Close",
  "col.volume": "Volume",
  "col.amount": "Amount",
  "col.change": "Change",
  "col.changePct": "Change %",
  "col.turnover": "Turnover %",
  "col.quoteTime": "Quote time",
  "col.openTime": "Open time",
  "fig.lastClose": "Last close",
  "fig.periodReturn": "Period return",
  "fig.volatility": "Volatility (annualised)",
  "fig.maxDrawdown": "Max drawdown",
  "bars.title": "Bars",
  "bars.newer": "Newer",
  "bars.older": "Older",
  "bars.page": "Page {page} of {pages}",
  "bars.csv": "Download CSV ({n} rows)",
  "ctl.from": "From",
  "ctl.to": "To",
  "ctl.adjust": "Adjust",
  "ctl.period": "Period",
  "ctl.timeframe": "Timeframe",
  "ctl.indicators": "Indicators",
  "ind.macd": "MACD pane: DIF and DEA lines, histogram MACD = 2·(DIF − DEA)",
  "ind.kdj": "KDJ pane: K, D and J lines",
  "ind.rsi": "RSI pane: 0–100, 30 and 70 marked",
  "ind.boll": "Bollinger bands over the price chart: middle, upper and lower",
  "ind.note": "Indicators: Tongdaxin (通达信) formulas, computed by the API with {n} bars of warm-up before the range",
  "timeframe.1d": "Daily bars (UTC days)",
  "timeframe.1h": "Hourly bars (UTC)",
  "adjust.none": "None",
  "adjust.qfq": "Forward (qfq)",
  "adjust.hfq": "Backward (hfq)",
  "period.daily": "Daily",
  "period.weekly": "Weekly",
  "period.monthly": "Monthly",
  "period.hourly": "Hourly",
  "unit.shares": "shares",
  provisional: "provisional",
  "chart.price": "Price ({unit}) and volume ({volume})",
  "chart.closeLine": "Close line",
  "chart.returns": "{period} return distribution (%, bin start)",
  "chart.needTwo": "Needs at least two bars.",
  "chart.drawdown": "Drawdown from running peak close (%)",
  "kind.stock": "stock",
  "kind.index": "index",
  "kind.crypto": "crypto spot pair",
  "crypto.closest": "Closest pairs:",
  company: "Company",
  "screen.title": "Screen",
  "screen.intro":
    "Filter and rank a universe at one date: the API evaluates each field over its cached bars " +
    "(Tongdaxin formulas). The screen is kept in the URL.",
  "screen.universe": "Universe",
  "screen.u.000300": "CSI 300 (000300)",
  "screen.u.000016": "SSE 50 (000016)",
  "screen.u.000905": "CSI 500 (000905)",
  "screen.u.SH": "Shanghai stocks (SH)",
  "screen.u.SZ": "Shenzhen stocks (SZ)",
  "screen.u.BJ": "Beijing stocks (BJ)",
  "screen.u.HK": "Hong Kong stocks (HK)",
  "screen.u.crypto:binance:USDT": "Binance spot, USDT pairs",
  "screen.u.symbols": "A list of symbols",
  "screen.symbols": "Symbols",
  "screen.symbolsPlaceholder": "600519, 300750, 00700, binance:BTC/USDT",
  "screen.top": "Top pairs by 24 h volume",
  "screen.asOf": "As of",
  "screen.asOfHint": "Empty: the last session whose bars are final",
  "screen.limit": "Limit",
  "screen.filters": "Filters",
  "screen.addFilter": "Add filter",
  "screen.noFilters": "No filters: every symbol of the universe is ranked.",
  "screen.rankBy": "Ranking",
  "screen.addRank": "Add factor",
  "screen.noRanks": "No ranking: results by symbol, without a score.",
  "screen.field": "Field",
  "screen.op": "Operator",
  "screen.value": "Value",
  "screen.low": "Low",
  "screen.high": "High",
  "screen.order": "Order",
  "screen.desc": "desc (larger is better)",
  "screen.asc": "asc (smaller is better)",
  "screen.weight": "Weight",
  "screen.remove": "Remove",
  "screen.run": "Screen",
  "screen.running": "Screening…",
  "screen.empty": "Choose a universe, filters and ranking factors, then press Screen.",
  "screen.results": "Results",
  "screen.none": "No symbol passed the filters.",
  "screen.rank": "Rank",
  "screen.score": "Score",
  "screen.asOfShown": "As of",
  "screen.universeSize": "Universe size",
  "screen.evaluated": "Evaluated",
  "screen.matched": "Matched",
  "screen.count": "Returned",
  "screen.upstream": "Upstream requests",
  "screen.cache": "From the cache: {cached}; fetched: {fetched}",
  "screen.membership": "Membership",
  "screen.snapshots": "Valuation snapshots",
  "screen.missing": "Not screened: {n}",
  "screen.noMissing": "Every symbol of the universe was evaluated.",
  "screen.reason": "Reason",
  "screen.fields":
    "Fields: close, pct_change_N, volatility_N, amount_avg_N, turnover_avg_N, ma{N}, ema{N}, macd_dif, macd_dea, " +
    "macd, kdj_k, kdj_d, kdj_j, rsi{N}, boll_mid, boll_upper, boll_lower, atr{N}, market_cap, float_market_cap, " +
    "pe_ttm, pb.",
} as const;

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  "nav.stock": "个股",
  "nav.index": "指数",
  "nav.crypto": "加密货币",
  "nav.compare": "对比",
  "nav.screen": "选股",
  "nav.watchlist": "自选",
  "nav.calendar": "交易日历",
  "nav.cache": "缓存",
  "nav.status": "状态",
  "lang.toggle": "English",
  "lang.label": "Switch the interface to English",
  "apiKey.none": "API 密钥",
  "apiKey.set": "API 密钥 {prefix}…",
  "apiKey.label": "API 密钥（仅保存在此标签页）",
  "apiKey.save": "保存",
  "apiKey.forget": "清除",
  "apiKey.saved": "已为此标签页保存：以 Authorization: Bearer 发送。",
  "apiKey.forgotten": "已清除。",
  "apiKey.malformed": "这不是 QuantDB API 密钥（qdb_ 加 43 个字符）。",
  "apiKey.rejected": "API 不接受此密钥：{message}",
  "apiKey.hint": "在服务器上创建管理员密钥：",
  "admin.keyNeeded": "此操作需要管理员 API 密钥：用 {command} 创建一个，并在上方输入",
  loading: "加载中…",
  "search.label": "按代码或名称搜索股票、指数和加密货币交易对",
  "search.placeholder": "代码或名称：600519、茅台、00700、BTC/USDT",
  "search.go": "前往",
  "search.results": "匹配的证券",
  "search.index": "指数",
  "search.searching": "搜索中…",
  "search.none": "没有与“{q}”匹配的股票或已缓存证券。",
  "search.noneAny": "没有与“{q}”匹配的股票、已缓存证券或加密货币交易对。",
  "search.crypto": "加密货币",
  "search.volume24h": "24 小时 {value}",
  "search.inactive": "已停止交易",
  "search.loadingPairs": "正在加载 {exchanges} 的交易对…",
  "search.exchangeNotServed": "此 API 不提供 {exchange}（提供：{served}）。",
  "search.missing": "尚未获取的股票列表：",
  "search.loadList": "获取 {market}",
  "search.loadingList": "正在获取 {market}…",
  "status.title": "状态",
  "status.health": "健康状况",
  "status.status": "状态",
  "status.database": "数据库",
  "status.clock": "服务器时间（UTC）",
  "status.version": "版本",
  "status.upstreams": "上游主机",
  "status.notReported": "此 API 版本未报告。",
  "status.host": "主机",
  "status.reachable": "可达",
  "status.circuit": "熔断器",
  "status.lastError": "最近错误",
  "status.calls": "调用 成功 / 失败 / 重试 / 拒绝",
  "status.none": "无",
  "status.yes": "是",
  "status.no": "否",
  "cache.title": "缓存",
  "cache.activity": "最近 60 分钟的活动",
  "cache.activityEmpty": "最近一小时没有历史数据请求。",
  "cache.requests": "请求数",
  "cache.upstreamCalls": "上游调用",
  "cache.hitRatio": "命中率",
  "cache.latency": "请求延迟（毫秒）",
  "cache.busyMinutes": "有活动的分钟（{n}），表格",
  "watchlist.title": "自选",
  "watchlist.add": "添加",
  "watchlist.remove": "移除",
  "watchlist.empty": "自选列表为空，请在上方添加代码。",
  "watchlist.loading": "正在加载行情…",
  "watchlist.open": "开市中：每 15 秒刷新",
  "watchlist.closed": "已收市：不刷新",
  "watchlist.crypto": "加密货币全天交易：每 15 秒刷新",
  "watchlist.placeholder": "代码，例如 600519、00700 或 binance:BTC/USDT",
  "live.live": "实时",
  "live.closed": "已收市 · {time} 开市",
  "live.break": "午间休市 · {time} 开市",
  "live.closedNoOpen": "已收市",
  "live.degraded": "行情源异常",
  "live.polling": "轮询",
  "live.connecting": "连接中…",
  "col.symbol": "代码",
  "col.name": "名称",
  "col.price": "价格",
  "col.date": "日期",
  "col.open": "开盘",
  "col.high": "最高",
  "col.low": "最低",
  "col.close": "收盘",
  "col.volume": "成交量",
  "col.amount": "成交额",
  "col.change": "涨跌额",
  "col.changePct": "涨跌幅 %",
  "col.turnover": "换手率 %",
  "col.quoteTime": "行情时间",
  "col.openTime": "开盘时间",
  "fig.lastClose": "最新收盘",
  "fig.periodReturn": "区间收益",
  "fig.volatility": "年化波动率",
  "fig.maxDrawdown": "最大回撤",
  "bars.title": "K 线数据",
  "bars.newer": "较新",
  "bars.older": "较旧",
  "bars.page": "第 {page} / {pages} 页",
  "bars.csv": "下载 CSV（{n} 行）",
  "ctl.from": "起",
  "ctl.to": "止",
  "ctl.adjust": "复权",
  "ctl.period": "周期",
  "ctl.timeframe": "K 线周期",
  "ctl.indicators": "指标",
  "ind.macd": "MACD 副图：DIF、DEA 线，柱 MACD = 2·(DIF − DEA)",
  "ind.kdj": "KDJ 副图：K、D、J 线",
  "ind.rsi": "RSI 副图：0–100，标出 30 与 70",
  "ind.boll": "布林线叠加在价格图上：中轨、上轨、下轨",
  "ind.note": "指标按通达信公式由 API 计算，区间前预热 {n} 根 K 线",
  "timeframe.1d": "日线（UTC 日）",
  "timeframe.1h": "小时线（UTC）",
  "adjust.none": "不复权",
  "adjust.qfq": "前复权 (qfq)",
  "adjust.hfq": "后复权 (hfq)",
  "period.daily": "日线",
  "period.weekly": "周线",
  "period.monthly": "月线",
  "period.hourly": "小时线",
  "unit.shares": "股",
  provisional: "未定",
  "chart.price": "价格（{unit}）与成交量（{volume}）",
  "chart.closeLine": "收盘价折线",
  "chart.returns": "{period}收益率分布（%，区间起点）",
  "chart.needTwo": "至少需要两根 K 线。",
  "chart.drawdown": "相对前高收盘价的回撤（%）",
  "kind.stock": "股票",
  "kind.index": "指数",
  "kind.crypto": "加密货币现货交易对",
  "crypto.closest": "最接近的交易对：",
  company: "公司资料",
  "screen.title": "选股",
  "screen.intro": "在某一日期筛选并排序股票池：API 用缓存的 K 线按通达信公式计算各字段。筛选条件保存在网址中。",
  "screen.universe": "股票池",
  "screen.u.000300": "沪深300（000300）",
  "screen.u.000016": "上证50（000016）",
  "screen.u.000905": "中证500（000905）",
  "screen.u.SH": "沪市股票（SH）",
  "screen.u.SZ": "深市股票（SZ）",
  "screen.u.BJ": "北交所股票（BJ）",
  "screen.u.HK": "港股（HK）",
  "screen.u.crypto:binance:USDT": "币安现货 USDT 交易对",
  "screen.u.symbols": "代码列表",
  "screen.symbols": "代码",
  "screen.symbolsPlaceholder": "600519、300750、00700、binance:BTC/USDT",
  "screen.top": "按 24 小时成交额取前 N 个交易对",
  "screen.asOf": "截至日期",
  "screen.asOfHint": "留空：K 线已确定的最近一个交易日",
  "screen.limit": "数量上限",
  "screen.filters": "筛选条件",
  "screen.addFilter": "添加条件",
  "screen.noFilters": "无筛选条件：股票池中每个代码都参与排序。",
  "screen.rankBy": "排序因子",
  "screen.addRank": "添加因子",
  "screen.noRanks": "无排序因子：结果按代码排列，没有得分。",
  "screen.field": "字段",
  "screen.op": "运算符",
  "screen.value": "数值",
  "screen.low": "下限",
  "screen.high": "上限",
  "screen.order": "方向",
  "screen.desc": "降序（越大越好）",
  "screen.asc": "升序（越小越好）",
  "screen.weight": "权重",
  "screen.remove": "移除",
  "screen.run": "选股",
  "screen.running": "筛选中…",
  "screen.empty": "选择股票池、筛选条件和排序因子，然后点击“选股”。",
  "screen.results": "结果",
  "screen.none": "没有代码通过筛选条件。",
  "screen.rank": "排名",
  "screen.score": "得分",
  "screen.asOfShown": "截至",
  "screen.universeSize": "股票池规模",
  "screen.evaluated": "已计算",
  "screen.matched": "符合条件",
  "screen.count": "返回",
  "screen.upstream": "上游请求",
  "screen.cache": "来自缓存：{cached}；新获取：{fetched}",
  "screen.membership": "成分股口径",
  "screen.snapshots": "估值快照",
  "screen.missing": "未能筛选：{n}",
  "screen.noMissing": "股票池中每个代码都已计算。",
  "screen.reason": "原因",
  "screen.fields":
    "字段：close、pct_change_N、volatility_N、amount_avg_N、turnover_avg_N、ma{N}、ema{N}、macd_dif、macd_dea、" +
    "macd、kdj_k、kdj_d、kdj_j、rsi{N}、boll_mid、boll_upper、boll_lower、atr{N}、market_cap、float_market_cap、" +
    "pe_ttm、pb。",
};

const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, zh };

/** The text of `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function translate(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return DICTIONARIES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

interface LangContext {
  lang: Lang;
  setLang(lang: Lang): void;
}

const Context = createContext<LangContext>({ lang: "en", setLang: () => undefined });

/** Provides the interface language to client components; reads and keeps the choice in localStorage. */
export function LanguageProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>("en");
  useEffect(() => {
    try {
      if (localStorage.getItem(LANG_STORAGE_KEY) === "zh") setLangState("zh");
    } catch {
      // storage unavailable: stay in English
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(LANG_STORAGE_KEY, next);
    } catch {
      // storage unavailable: the choice lasts for this page only
    }
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/** The current language and its setter. */
function useLang(): LangContext {
  return useContext(Context);
}

/** A translator for the current language. */
export function useT(): (key: MessageKey, vars?: Record<string, string | number>) => string {
  const { lang } = useLang();
  return useCallback((key, vars) => translate(lang, key, vars), [lang]);
}

/** Translated text, usable from server components. */
export function T({ k, vars }: { k: MessageKey; vars?: Record<string, string | number> }) {
  return <>{useT()(k, vars)}</>;
}

/** The zh/en toggle button. */
export function LanguageToggle() {
  const { lang, setLang } = useLang();
  const t = useT();
  return (
    <button
      type="button"
      className="lang"
      onClick={() => setLang(lang === "en" ? "zh" : "en")}
      aria-label={t("lang.label")}
      data-testid="lang-toggle"
      data-lang={lang}
    >
      {t("lang.toggle")}
    </button>
  );
}
