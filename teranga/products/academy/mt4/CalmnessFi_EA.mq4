//+------------------------------------------------------------------+
//|                                                CalmnessFi_EA.mq4 |
//|            Calmness Trading — MetaTrader 4 trade sync (read-only) |
//+------------------------------------------------------------------+
//
// Uploads the account's figures and its trades to Teranga's academy
// (POST /api/v1/academy/mt/sync/) every SyncSeconds seconds.
//
// * READ-ONLY: this Expert Advisor never opens, modifies or closes an
//   order (no OrderSend, OrderModify, OrderClose or OrderDelete here).
// * Market orders only (OP_BUY, OP_SELL): pending orders, balance and
//   credit operations are not trades and are not sent.
// * First run: the whole history of the terminal's "Account History"
//   tab, oldest first, in batches of BatchSize, at most MaxBatches
//   requests per sync (a long history goes up over a few minutes).
//   Afterwards: every open order, and the closed orders whose close time
//   is after the last one synced (minus an overlap of OverlapMinutes).
//   The server stores each ticket once, whatever is sent again
//   (idempotent on the ticket).
// * Times are sent in UTC: the broker's server time minus its offset
//   from GMT (TimeCurrent() - TimeGMT(), rounded to 15 minutes).
// * Needs Tools > Options > Expert Advisors > "Allow WebRequest for
//   listed URL" with the server's address (see README.md).
//
// Payload (see examples/*.json):
// {"account": {"login", "server", "broker", "currency", "balance",
//              "equity", "leverage"},
//  "trades": [{"ticket", "symbol", "type": "buy"|"sell", "lots",
//              "open_time", "close_time" (null while open), "open_price",
//              "close_price" (null while open), "sl", "tp", "commission",
//              "swap", "profit", "comment", "magic"}]}
//+------------------------------------------------------------------+
#property copyright "Calmness Trading"
#property version   "1.00"
#property strict
#property description "Read-only: uploads the account's trades to Calmness Trading every 60 s."

input string ApiUrl         = "https://teranga.example/api/v1/academy/mt/sync/"; // Sync URL
input string ApiKey         = "";   // API key of this trading account (ctk_…)
input int    SyncSeconds    = 60;   // Seconds between syncs
input int    BatchSize      = 500;  // Trades per request (the server takes at most 1000)
input int    OverlapMinutes = 60;   // Closed trades sent again after each sync
input int    TimeoutMs      = 15000; // WebRequest timeout (ms)
input int    MaxBatches     = 10;   // Requests per sync at most (the server allows 20/min)

string   g_lastKey;        // the GlobalVariable keeping the last synced close time
datetime g_lastClose = 0;  // server time of the newest close time synced
bool     g_busy      = false;
bool     g_firstTimer = false;

//+------------------------------------------------------------------+
int OnInit()
  {
   if(StringLen(ApiKey) < 10)
     {
      Alert("CalmnessFi_EA: enter your API key (input ApiKey).");
      return(INIT_PARAMETERS_INCORRECT);
     }
   if(IsTesting())
     {
      Print("CalmnessFi_EA: WebRequest does not run in the Strategy Tester; nothing to do.");
      return(INIT_SUCCEEDED);
     }
   g_lastKey = "CalmnessFi_" + IntegerToString(AccountNumber()) + "_last_close";
   if(GlobalVariableCheck(g_lastKey))
      g_lastClose = (datetime)GlobalVariableGet(g_lastKey);
   // The first sync a few seconds after the start (not from OnInit), then every
   // SyncSeconds.
   g_firstTimer = true;
   EventSetTimer(5);
   return(INIT_SUCCEEDED);
  }

//+------------------------------------------------------------------+
void OnDeinit(const int reason)
  {
   EventKillTimer();
  }

//+------------------------------------------------------------------+
void OnTick()
  {
   // Nothing: the timer syncs, and this EA never trades.
  }

//+------------------------------------------------------------------+
void OnTimer()
  {
   if(g_firstTimer)
     {
      g_firstTimer = false;
      EventKillTimer();
      EventSetTimer((int)MathMax(SyncSeconds, 10));
     }
   Sync();
  }

//+------------------------------------------------------------------+
//| The broker's offset from GMT, in seconds (rounded to 15 min).    |
//+------------------------------------------------------------------+
int ServerOffset()
  {
   int offset = (int)(TimeCurrent() - TimeGMT());
   return((int)MathRound(offset / 900.0) * 900);
  }

//+------------------------------------------------------------------+
//| ISO 8601 UTC ("2026-03-02T08:15:00Z") of a server time.          |
//+------------------------------------------------------------------+
string IsoUtc(datetime serverTime, int offset)
  {
   string text = TimeToString(serverTime - offset, TIME_DATE | TIME_SECONDS); // yyyy.mm.dd hh:mi:ss
   StringReplace(text, ".", "-");
   StringReplace(text, " ", "T");
   return(text + "Z");
  }

//+------------------------------------------------------------------+
//| A JSON string literal.                                           |
//+------------------------------------------------------------------+
string JsonString(string value)
  {
   string out = value;
   StringReplace(out, "\\", "\\\\");
   StringReplace(out, "\"", "\\\"");
   StringReplace(out, "\r", " ");
   StringReplace(out, "\n", " ");
   StringReplace(out, "\t", " ");
   return("\"" + out + "\"");
  }

//+------------------------------------------------------------------+
//| The selected order as a JSON object.                             |
//+------------------------------------------------------------------+
string OrderJson(int offset)
  {
   string symbol = OrderSymbol();
   int digits = (int)MarketInfo(symbol, MODE_DIGITS);
   if(digits <= 0)
      digits = 5;
   bool closed = OrderCloseTime() > 0;
   string json = "{";
   json += "\"ticket\":" + IntegerToString(OrderTicket());
   json += ",\"symbol\":" + JsonString(symbol);
   json += ",\"type\":" + (OrderType() == OP_BUY ? "\"buy\"" : "\"sell\"");
   json += ",\"lots\":" + DoubleToString(OrderLots(), 2);
   json += ",\"open_time\":\"" + IsoUtc(OrderOpenTime(), offset) + "\"";
   json += ",\"close_time\":" + (closed ? "\"" + IsoUtc(OrderCloseTime(), offset) + "\"" : "null");
   json += ",\"open_price\":" + DoubleToString(OrderOpenPrice(), digits);
   json += ",\"close_price\":" + (closed ? DoubleToString(OrderClosePrice(), digits) : "null");
   json += ",\"sl\":" + DoubleToString(OrderStopLoss(), digits);
   json += ",\"tp\":" + DoubleToString(OrderTakeProfit(), digits);
   json += ",\"commission\":" + DoubleToString(OrderCommission(), 2);
   json += ",\"swap\":" + DoubleToString(OrderSwap(), 2);
   json += ",\"profit\":" + DoubleToString(OrderProfit(), 2);
   json += ",\"comment\":" + JsonString(StringSubstr(OrderComment(), 0, 64));
   json += ",\"magic\":" + IntegerToString(OrderMagicNumber());
   json += "}";
   return(json);
  }

//+------------------------------------------------------------------+
string AccountJson()
  {
   string json = "{";
   json += "\"login\":" + IntegerToString(AccountNumber());
   json += ",\"server\":" + JsonString(AccountServer());
   json += ",\"broker\":" + JsonString(AccountCompany());
   json += ",\"currency\":" + JsonString(AccountCurrency());
   json += ",\"balance\":" + DoubleToString(AccountBalance(), 2);
   json += ",\"equity\":" + DoubleToString(AccountEquity(), 2);
   json += ",\"leverage\":" + IntegerToString(AccountLeverage());
   json += "}";
   return(json);
  }

//+------------------------------------------------------------------+
//| POST one batch; true on HTTP 200.                                |
//+------------------------------------------------------------------+
bool Post(string &items[], int from, int count)
  {
   string body = "{\"account\":" + AccountJson() + ",\"trades\":[";
   for(int i = 0; i < count; i++)
     {
      if(i > 0)
         body += ",";
      body += items[from + i];
     }
   body += "]}";

   char data[];
   char result[];
   string responseHeaders;
   // Drop the terminating zero that StringToCharArray adds.
   int size = StringToCharArray(body, data, 0, WHOLE_ARRAY, CP_UTF8) - 1;
   ArrayResize(data, (int)MathMax(size, 0));
   string headers = "Content-Type: application/json\r\nAccept: application/json\r\n"
                    + "X-Api-Key: " + ApiKey + "\r\n";

   ResetLastError();
   int status = WebRequest("POST", ApiUrl, headers, TimeoutMs, data, result, responseHeaders);
   if(status == -1)
     {
      int error = GetLastError();
      if(error == 4060)
         Print("CalmnessFi_EA: add ", ApiUrl, " to Tools > Options > Expert Advisors > Allow WebRequest for listed URL.");
      else
         Print("CalmnessFi_EA: WebRequest failed, error ", error);
      return(false);
     }
   if(status != 200)
     {
      Print("CalmnessFi_EA: the server answered ", status, ": ",
            CharArrayToString(result, 0, WHOLE_ARRAY, CP_UTF8));
      if(status == 401 || status == 403)
         Print("CalmnessFi_EA: check the API key: it must be this account's, and not revoked.");
      return(false);
     }
   return(true);
  }

//+------------------------------------------------------------------+
//| One sync: open orders, then the closed ones since the last sync, |
//| oldest first, at most MaxBatches requests. The last close time   |
//| synced advances after each batch the server accepted, so a long  |
//| history goes up over a few timer ticks and a failure (network,   |
//| 429) resumes where it stopped.                                   |
//+------------------------------------------------------------------+
void Sync()
  {
   if(g_busy || IsTesting())
      return;
   g_busy = true;
   int offset = ServerOffset();
   datetime since = g_lastClose > 0 ? g_lastClose - OverlapMinutes * 60 : 0;

   string openItems[];
   int openCount = 0;
   // Open market orders (MODE_TRADES).
   for(int i = OrdersTotal() - 1; i >= 0; i--)
     {
      if(!OrderSelect(i, SELECT_BY_POS, MODE_TRADES))
         continue;
      if(OrderType() != OP_BUY && OrderType() != OP_SELL)
         continue;
      ArrayResize(openItems, openCount + 1, 64);
      openItems[openCount++] = OrderJson(offset);
     }

   // Closed market orders (MODE_HISTORY: the "Account History" tab's period), sorted
   // by close time: keys[k][0] = close time, keys[k][1] = ticket.
   double keys[][2];
   int closedCount = 0;
   for(int j = OrdersHistoryTotal() - 1; j >= 0; j--)
     {
      if(!OrderSelect(j, SELECT_BY_POS, MODE_HISTORY))
         continue;
      if(OrderType() != OP_BUY && OrderType() != OP_SELL)
         continue;
      if(OrderCloseTime() < since)
         continue;
      ArrayResize(keys, closedCount + 1, 256);
      keys[closedCount][0] = (double)OrderCloseTime();
      keys[closedCount][1] = (double)OrderTicket();
      closedCount++;
     }
   if(closedCount > 1)
      ArraySort(keys);

   int batch = (int)MathMax(1, MathMin(BatchSize, 1000));
   int sent = 0;
   for(int request = 0; request < MaxBatches; request++)
     {
      string items[];
      int count = 0;
      datetime newest = g_lastClose;
      if(request == 0)
        {
         // The open orders ride with the first batch.
         for(int o = 0; o < openCount && count < batch; o++)
           {
            ArrayResize(items, count + 1, batch);
            items[count++] = openItems[o];
           }
        }
      while(count < batch && sent < closedCount)
        {
         if(OrderSelect((int)keys[sent][1], SELECT_BY_TICKET, MODE_HISTORY))
           {
            ArrayResize(items, count + 1, batch);
            items[count++] = OrderJson(offset);
            if((datetime)keys[sent][0] > newest)
               newest = (datetime)keys[sent][0];
           }
         sent++;
        }
      if(count == 0 && request > 0)
         break;
      // No trade at all: the account's figures alone.
      if(!Post(items, 0, count))
         break;
      if(newest > g_lastClose)
        {
         g_lastClose = newest;
         GlobalVariableSet(g_lastKey, (double)g_lastClose);
        }
      if(sent >= closedCount)
         break;
     }
   g_busy = false;
  }
//+------------------------------------------------------------------+
