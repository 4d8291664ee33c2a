"""Writes the import fixtures under testdata/import/ (run from the repository root).

Each file follows its format's documented layout (docs/import-formats.md); the
expected canonical rows are worked out by hand in tests/it/import.rs. Needs openpyxl
for the XLSX sample: pip install openpyxl.
"""

import json
import os
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.abspath(__file__))


def path(*parts):
    p = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def q(value):
    """cdr_csv's append_string: quoted, embedded quotes doubled."""
    return '"' + value.replace('"', '""') + '"'


def stamp(t):
    return t.strftime("%Y-%m-%d %H:%M:%S")


# Asterisk Master.csv, 18 columns (loguniqueid=yes, loguserfield=yes), local time.
def asterisk():
    cycle = ["ANSWERED", "NO ANSWER", "BUSY", "FAILED", "ANSWERED",
             "CONGESTION", "CANCEL", "NO ANSWER", "ANSWERED", "UNKNOWN"]
    lines = []
    base = datetime(2025, 6, 1, 9, 0, 0)
    for i in range(30):
        disp = cycle[i % 10]
        start = base + timedelta(minutes=7 * i)
        number = "1390000%04d" % i
        answered = disp == "ANSWERED" or i == 7
        billsec = 20 + i if answered else 0
        if i == 7:
            billsec = 60  # NO ANSWER with an answer time: Party A answered, B failed
        ring = 8
        duration = ring + billsec if answered else 25
        answer = stamp(start + timedelta(seconds=ring)) if answered else None
        end = start + timedelta(seconds=duration)
        clid = '"Bob "B" Smith" <200>' if i == 2 else ""
        if i % 2:
            src, dst, app, data, chan = "", "s", "AppDial", "PJSIP/%s@trunk,30" % number, "PJSIP/trunk-%08x" % i
        else:
            src, dst, app, data, chan = "200", number, "Dial", "PJSIP/%s@trunk,30,tT" % number, "PJSIP/200-%08x" % i
        userfield = "MACHINE" if i == 4 else ""
        fields = [q("camp-a" if i < 15 else ""), q(src), q(dst), q("outbound"), q(clid), q(chan),
                  q("PJSIP/trunk-%08x" % (i + 100) if answered else ""), q(app), q(data),
                  q(stamp(start)), q(answer) if answer else "", q(stamp(end)),
                  str(duration), str(billsec), q(disp), q("DOCUMENTATION"),
                  q("1748739600.%d" % i), q(userfield)]
        lines.append(",".join(fields))
    # Around local midnight: the second call belongs to 2025-06-02 in Asia/Shanghai.
    for n, t in enumerate([datetime(2025, 6, 1, 23, 59, 50), datetime(2025, 6, 2, 0, 0, 10)]):
        lines.append(",".join([q(""), q("200"), q("13900009990"), q("outbound"), q(""), q("PJSIP/200-0000ff0%d" % n),
                               q(""), q("Dial"), q("PJSIP/13900009990@trunk"), q(stamp(t)), "",
                               q(stamp(t + timedelta(seconds=15))), "15", "0", q("NO ANSWER"),
                               q("DOCUMENTATION"), q("1748739700.%d" % n), q("")]))
    # Rejects: 17 fields, a month 13, an unknown disposition, no start, a cut-off record.
    good = lines[1].split(",")
    lines.append(",".join(good[:17]))
    lines.append(lines[1].replace("2025-06-01 09:07:00", "2025-13-01 09:07:00"))
    lines.append(lines[1].replace('"NO ANSWER"', '"ANSWER"'))
    lines.append(lines[1].replace('"2025-06-01 09:07:00"', "", 1))
    lines.append(lines[3][:60])
    with open(path("asterisk", "Master.csv"), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    # 21 columns (newcdrcolumns=yes): several CDRs per call, tied by linkedid.
    rows = [
        # linkedid L1: the customer leg answered, then a transfer leg.
        ("L1", 1, "13700000001", "2025-06-01 10:00:00", "2025-06-01 10:00:05", "2025-06-01 10:01:05", 65, 60, "ANSWERED"),
        ("L1", 2, "13700000001", "2025-06-01 10:01:05", "2025-06-01 10:01:06", "2025-06-01 10:03:06", 121, 120, "ANSWERED"),
        # L2: a parallel dial: two forks fail, the third answers.
        ("L2", 3, "13700000002", "2025-06-01 10:05:00", None, "2025-06-01 10:05:20", 20, 0, "NO ANSWER"),
        ("L2", 4, "13700000002", "2025-06-01 10:05:00", None, "2025-06-01 10:05:03", 3, 0, "BUSY"),
        ("L2", 5, "13700000002", "2025-06-01 10:05:01", "2025-06-01 10:05:11", "2025-06-01 10:06:11", 70, 60, "ANSWERED"),
        # L3: one CDR, never answered.
        ("L3", 6, "13700000003", "2025-06-01 10:10:00", None, "2025-06-01 10:10:30", 30, 0, "NO ANSWER"),
    ]
    lines = []
    for linked, seq, number, start, answer, end, duration, billsec, disp in rows:
        lines.append(",".join([q("camp-b"), q("300"), q(number), q("outbound"), q(""), q("PJSIP/300-%08x" % seq),
                               q("PJSIP/trunk-%08x" % seq), q("Dial"), q("PJSIP/%s@trunk" % number), q(start),
                               q(answer) if answer else "", q(end), str(duration), str(billsec), q(disp),
                               q("DOCUMENTATION"), q("1748743200.%d" % seq), q(""), q(""), q(linked), str(seq)]))
    with open(path("asterisk", "Master-linkedid.csv"), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


# FreeSWITCH cdr_csv, vanilla `example` template (15 fields), legs=ab.
def freeswitch():
    causes = ["NO_ANSWER", "ORIGINATOR_CANCEL", "NO_USER_RESPONSE", "NORMAL_CLEARING", "USER_BUSY",
              "CALL_REJECTED", "DECLINE", "UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT",
              "NO_ROUTE_DESTINATION", "OUTGOING_CALL_BARRED", "UNWANTED", "NORMAL_TEMPORARY_FAILURE",
              "RECOVERY_ON_TIMER_EXPIRE", "GATEWAY_DOWN", "NORMAL_CIRCUIT_CONGESTION"]
    def line(name, number, dest, start, answer, end, duration, billsec, cause, uuid, bleg, acct="camp-f"):
        values = [name, number, dest, "default", start, answer or "", end, str(duration), str(billsec),
                  cause, uuid, bleg, acct, "PCMU", "PCMU"]
        return ",".join('"%s"' % v for v in values)
    lines = []
    base = datetime(2025, 6, 1, 14, 0, 0)
    for i, cause in enumerate(causes):
        start = base + timedelta(minutes=3 * i)
        lines.append(line("Dialer", "4000", "1360000%04d" % i, stamp(start), None,
                          stamp(start + timedelta(seconds=30)), 30, 0, cause, "a-%04d" % i, ""))
    # Answered calls: an A leg and its B leg; one ends on MEDIA_TIMEOUT, still answered.
    for i, cause in enumerate(["NORMAL_CLEARING", "MEDIA_TIMEOUT", "NORMAL_CLEARING"]):
        start = datetime(2025, 6, 1, 15, 0, 0) + timedelta(minutes=5 * i)
        number = "1361111%04d" % i
        name = 'Bob "the" Builder' if i == 2 else "Dialer"  # not escaped by mod_cdr_csv
        lines.append(line(name, "4000", number, stamp(start), stamp(start + timedelta(seconds=6)),
                          stamp(start + timedelta(seconds=96)), 96, 90, cause, "ans-a-%d" % i, "ans-b-%d" % i))
        lines.append(line(name, "4000", number, stamp(start + timedelta(seconds=1)), stamp(start + timedelta(seconds=6)),
                          stamp(start + timedelta(seconds=96)), 95, 90, cause, "ans-b-%d" % i, "ans-a-%d" % i))
    # Rejects: an unknown cause, 14 fields, a bad time.
    lines.append(line("Dialer", "4000", "13622220000", "2025-06-01 16:00:00", None, "2025-06-01 16:00:09",
                      9, 0, "NOT_A_CAUSE", "bad-1", ""))
    lines.append(",".join(lines[0].split(",")[:14]))
    lines.append(lines[0].replace("2025-06-01 14:00:00", "2025-06-01 25:00:00"))
    with open(path("freeswitch", "Master.csv"), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    # The module's built-in `default` template: 13 fields, a space before the last.
    rows = [("13633330001", "2025-06-01 17:00:00", "2025-06-01 17:00:04", "2025-06-01 17:01:04", 64, 60, "NORMAL_CLEARING", "d-1"),
            ("13633330002", "2025-06-01 17:02:00", "", "2025-06-01 17:02:20", 20, 0, "USER_BUSY", "d-2"),
            ("13633330003", "2025-06-01 17:03:00", "", "2025-06-01 17:03:02", 2, 0, "UNALLOCATED_NUMBER", "d-3")]
    lines = []
    for number, start, answer, end, duration, billsec, cause, uuid in rows:
        head = ",".join('"%s"' % v for v in ["Dialer", "4000", number, "default", start, answer, end,
                                             str(duration), str(billsec), cause, uuid, ""])
        lines.append(head + ', "camp-d"')
    with open(path("freeswitch", "default-template.csv"), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


VICIDIAL_HEADER = ("call_date phone_number_dialed status user full_name campaign_id vendor_lead_code source_id "
                   "list_id gmt_offset_now phone_code phone_number title first_name middle_initial last_name "
                   "address1 address2 address3 city state province postal_code country_code gender date_of_birth "
                   "alt_phone email security_phrase comments length_in_sec user_group alt_dial rank owner lead_id "
                   "list_name list_description status_name").split()

# (status, user): every class of the default statuses, codes the dialer writes, a custom
# status (HOTLD, in statuses.tsv), then rejects: a lead state and an unknown code.
VICIDIAL_ROWS = [
    ("SALE", "agent01"), ("NI", "agent01"), ("CALLBK", "agent02"), ("DNC", "agent02"), ("XFER", "agent01"),
    ("DROP", "VDAD"), ("PDROP", "VDAD"), ("NA", "VDAD"), ("N", "agent03"), ("A", "agent03"), ("AA", "VDAD"),
    ("AL", "VDAD"), ("B", "agent03"), ("AB", "VDAD"), ("CPDB", "VDAD"), ("CPDREJ", "VDAD"), ("DC", "agent01"),
    ("ADC", "VDAD"), ("CPDINV", "VDAD"), ("DNCL", "VDAD"), ("DNCC", "VDAD"), ("AFAX", "VDAD"), ("ADCT", "VDAD"),
    ("HUC34", "VDAD"), ("HOTLD", "agent02"), ("NEW", "VDAD"), ("ZZZ", "agent01"),
]


def vicidial():
    rows = ["\t".join(VICIDIAL_HEADER)]
    base = datetime(2025, 6, 2, 9, 30, 0)
    for i, (status, user) in enumerate(VICIDIAL_ROWS):
        values = dict.fromkeys(VICIDIAL_HEADER, "")
        values.update(call_date=stamp(base + timedelta(minutes=2 * i)), phone_number_dialed="5550100%03d" % i,
                      status=status, user=user, campaign_id="VICI1", list_id="101", phone_code="1",
                      phone_number="5550100%03d" % i, length_in_sec=str(10 * i), lead_id=str(9000 + i),
                      comments="AUTO", status_name=status)
        rows.append("\t".join(values[h] for h in VICIDIAL_HEADER))
    with open(path("vicidial", "EXPORT_CALL_REPORT_20250602-180000.txt"), "w", newline="") as f:
        f.write("\r\n".join(rows) + "\r\n")
    # The same kind of export without its header row.
    with open(path("vicidial", "EXPORT_CALL_REPORT_noheader.txt"), "w", newline="") as f:
        f.write("\r\n".join(rows[1:4]) + "\r\n")
    with open(path("vicidial-statuses.tsv"), "w", newline="\n") as f:
        f.write("status\tstatus_name\tselectable\thuman_answered\tcategory\tsale\tdnc\tcustomer_contact\t"
                "not_interested\tunworkable\tscheduled_callback\tcompleted\tanswering_machine\n")
        f.write("HOTLD\tHot Lead Hold\tY\tY\tCONTACT\tN\tN\tY\tN\tN\tN\tN\tN\n")


def connect():
    def contact(cid, start, **extra):
        record = {"ContactId": cid, "Channel": "VOICE", "InitiationMethod": "OUTBOUND",
                  "InitiationTimestamp": start, "LastUpdateTimestamp": extra.pop("updated", start),
                  "CustomerEndpoint": {"Address": extra.pop("to", "+8613800000000"), "Type": "TELEPHONE_NUMBER"},
                  "SystemEndpoint": {"Address": "+8602100000000", "Type": "TELEPHONE_NUMBER"},
                  "Campaign": {"CampaignId": "cc-camp"}}
        record.update(extra)
        return record
    agent = lambda t, talk, acw=5: {"ConnectedToAgentTimestamp": t, "AgentInteractionDuration": talk,
                                    "AfterContactWorkDuration": acw, "CustomerHoldDuration": 0, "Username": "li.wei"}
    records = [
        contact("c-01", "2025-06-03T01:00:00Z", to="+8613800000001", ConnectedToSystemTimestamp="2025-06-03T01:00:08Z",
                Agent=agent("2025-06-03T01:00:10Z", 120), Queue={"EnqueueTimestamp": "2025-06-03T01:00:09Z"},
                DisconnectTimestamp="2025-06-03T01:02:10Z", DisconnectReason="CUSTOMER_DISCONNECT",
                AnsweringMachineDetectionStatus="HUMAN_ANSWERED"),
        contact("c-02", "2025-06-03T01:05:00Z", to="+8613800000002", ConnectedToSystemTimestamp="2025-06-03T01:05:07Z",
                Queue={"EnqueueTimestamp": "2025-06-03T01:05:08Z"}, DisconnectTimestamp="2025-06-03T01:05:40Z",
                DisconnectReason="CUSTOMER_DISCONNECT", AnsweringMachineDetectionStatus="HUMAN_ANSWERED"),
        contact("c-03", "2025-06-03T01:10:00Z", to="+8613800000003", ConnectedToSystemTimestamp="2025-06-03T01:10:09Z",
                DisconnectTimestamp="2025-06-03T01:10:30Z", DisconnectReason="CONTACT_FLOW_DISCONNECT",
                AnsweringMachineDetectionStatus="VOICEMAIL_BEEP"),
        contact("c-04", "2025-06-03T01:15:00Z", to="+8613800000004", DisconnectTimestamp="2025-06-03T01:15:04Z",
                DisconnectReason="OTHER", AnsweringMachineDetectionStatus="SIT_TONE_INVALID_NUMBER"),
        contact("c-05", "2025-06-03T01:20:00Z", to="+8613800000005", DisconnectTimestamp="2025-06-03T01:20:05Z",
                DisconnectReason="OTHER", AnsweringMachineDetectionStatus="SIT_TONE_BUSY"),
        contact("c-06", "2025-06-03T01:25:00Z", to="+8613800000006", DisconnectTimestamp="2025-06-03T01:25:30Z",
                AnsweringMachineDetectionStatus="AMD_UNANSWERED"),
        contact("c-07", "2025-06-03T01:30:00Z", to="+8613800000007", DisconnectTimestamp="2025-06-03T01:30:02Z",
                DisconnectReason="TELECOM_PROBLEM"),
        contact("c-08", "2025-06-03T01:35:00Z", to="+8613800000008", DisconnectTimestamp="2025-06-03T01:35:01Z",
                DisconnectReason="FAX_MACHINE_DETECTED_NOT_A_REASON"),
        contact("c-09", "2025-06-03T01:40:00Z", to="+8613800000009", Channel="CHAT"),
    ]
    # c-01 delivered again later with its after-contact work finished: the newest wins.
    again = json.loads(json.dumps(records[0]))
    again["LastUpdateTimestamp"] = "2025-06-03T01:05:00Z"
    again["Agent"]["AfterContactWorkDuration"] = 45
    # A transfer of c-01: a new contact sharing its InitialContactId.
    transfer = contact("c-01-t", "2025-06-03T01:02:10Z", to="+8613800000001", InitialContactId="c-01",
                       PreviousContactId="c-01", InitiationMethod="TRANSFER",
                       ConnectedToSystemTimestamp="2025-06-03T01:02:10Z", Agent=agent("2025-06-03T01:02:12Z", 60),
                       DisconnectTimestamp="2025-06-03T01:03:12Z", DisconnectReason="AGENT_DISCONNECT")
    lines = [json.dumps(r, ensure_ascii=False) for r in records[:7]]
    # Firehose concatenates records without a separator.
    lines.append(json.dumps(records[7]) + json.dumps(records[8]))
    lines.append(json.dumps(again))
    lines.append(json.dumps(transfer))
    lines.append('{"ContactId": "c-10", "Channel": "VOICE", ')  # cut off mid-record
    lines.append(json.dumps(contact("c-11", "2025-06-03T02:00:00Z", to="+8613800000011",
                                    DisconnectTimestamp="2025-06-03T02:00:20Z", DisconnectReason="TELECOM_BUSY")))
    with open(path("connect", "ctr.jsonl"), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def twilio():
    def call(sid, status, start, end=None, duration=None, answered_by=None, parent=None, to="+15005550001",
             direction="outbound-api"):
        return {"sid": sid, "date_created": start, "date_updated": end or start, "parent_call_sid": parent,
                "account_sid": "AC00000000000000000000000000000000", "to": to, "from": "+15005550100",
                "status": status, "start_time": start, "end_time": end, "duration": duration,
                "direction": direction, "answered_by": answered_by, "price": None, "queue_time": "0"}
    calls = [
        call("CA01", "completed", "Wed, 04 Jun 2025 14:00:00 +0000", "Wed, 04 Jun 2025 14:01:10 +0000", "60", "human"),
        call("CA02", "completed", "Wed, 04 Jun 2025 14:05:00 +0000", "Wed, 04 Jun 2025 14:05:40 +0000", "30", "machine_start"),
        call("CA03", "completed", "Wed, 04 Jun 2025 14:10:00 +0000", "Wed, 04 Jun 2025 14:10:20 +0000", "12", "fax"),
        call("CA04", "busy", "Wed, 04 Jun 2025 14:15:00 +0000", "Wed, 04 Jun 2025 14:15:05 +0000", "0"),
        call("CA05", "no-answer", "Wed, 04 Jun 2025 14:20:00 +0000", "Wed, 04 Jun 2025 14:20:30 +0000", "0"),
        call("CA06", "canceled", "Wed, 04 Jun 2025 14:25:00 +0000"),
        call("CA07", "failed", "Wed, 04 Jun 2025 14:30:00 +0000"),
        call("CA08", "ringing", "Wed, 04 Jun 2025 14:35:00 +0000"),
        call("CA09", "in-progress", "Wed, 04 Jun 2025 14:36:00 +0000"),
        call("CA10", "completed", "Wed, 04 Jun 2025 14:40:00 +0000", "Wed, 04 Jun 2025 14:42:00 +0000", "110", "human"),
        # The agent leg CA10 dialled: a child, folded into its parent.
        call("CA11", "completed", "Wed, 04 Jun 2025 14:40:05 +0000", "Wed, 04 Jun 2025 14:42:00 +0000", "115",
             parent="CA10", to="client:agent7", direction="outbound-dial"),
        call("CA12", "completed", "Wed, 04 Jun 2025 14:50:00 +0000", "not a date", "10"),
    ]
    page = {"calls": calls, "page": 0, "page_size": 50, "first_page_uri": "/2010-04-01/Accounts/AC/Calls.json?PageSize=50",
            "next_page_uri": None, "uri": "/2010-04-01/Accounts/AC/Calls.json?PageSize=50"}
    with open(path("twilio", "calls-page0.json"), "w", newline="\n") as f:
        json.dump(page, f, indent=2)
        f.write("\n")


WAIHU_HEADER = ["任务名称", "客户号码", "外显号码", "呼叫时间", "接通时间", "挂断时间", "通话时长",
                "呼叫结果", "意向等级", "是否转人工", "挂断方"]
# 呼叫结果 values of a typical 智能外呼 platform, one row each, then rows the mapping rejects.
WAIHU_RESULTS = ["已接通", "未接通", "无人接听", "占线", "拒接", "空号", "停机", "关机", "无法接通", "呼叫失败", "黑名单拦截"]


def waihu_rows():
    rows = []
    base = datetime(2025, 6, 5, 10, 0, 0)
    for i, result in enumerate(WAIHU_RESULTS + ["已接通", "已接通"]):
        start = base + timedelta(minutes=4 * i)
        answered = result == "已接通"
        talk = 45 + i if answered else 0
        rows.append(["618大促回访", "138 0013 %04d" % i, "02180000001", stamp(start),
                     stamp(start + timedelta(seconds=6)) if answered else "",
                     stamp(start + timedelta(seconds=6 + talk if answered else 20)), str(talk), result,
                     "ABCDEF"[i % 6] if answered else "", "是" if answered and i % 2 else "否",
                     "客户" if answered else "系统"])
    rejects = [
        ["618大促回访", "13800139901", "02180000001", "2025-06-05 12:00:00", "", "2025-06-05 12:00:20", "0",
         "稍后再拨", "", "否", "系统"],  # a result the mapping does not cover
        ["618大促回访", "13800139902", "02180000001", "2025-06-31 12:04:00", "", "2025-06-05 12:04:20", "0",
         "未接通", "", "否", "系统"],  # 31 June
        ["618大促回访", "13800139903", "02180000001", "2025-06-05 12:08:00", "", "2025-06-05 12:08:20", "abc",
         "未接通", "", "否", "系统"],  # a duration that is not a number
    ]
    return rows, rejects


def mapped():
    rows, rejects = waihu_rows()
    lines = [",".join(WAIHU_HEADER)] + [",".join(r) for r in rows + rejects]
    data = ("\r\n".join(lines) + "\r\n").encode("gbk")
    # One more record with bytes that are not GBK (a lone lead byte before the comma).
    data += "618大促回访,13800139904,02180000001,2025-06-05 12:12:00,,2025-06-05 12:12:20,0,未接通,,否,".encode("gbk")
    data += b"\xd2\r\n"
    with open(path("mapped", "waihu-gbk.csv"), "wb") as f:
        f.write(data)
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "通话记录"
    sheet.append(WAIHU_HEADER)
    for r in rows[:6]:
        values = list(r)
        values[3] = datetime.strptime(values[3], "%Y-%m-%d %H:%M:%S")  # a real Excel date cell
        values[6] = int(values[6])
        sheet.append(values)
    book.save(path("mapped", "waihu.xlsx"))


# Exports of the other tables, in the shapes real platforms write them; the expected rows
# are worked out in tests/it/import_tables.rs.
def tables():
    import openpyxl
    from datetime import date, time
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["本文件由 CRM 导出"])
    sheet = book.create_sheet("订单明细")
    sheet.append(["订单明细导出"])
    sheet.append(["导出时间：2025-07-01 10:00:00"])
    sheet.append(["序号", "订单号", "客户编号", "下单日期", "下单时间", "实付金额", "订单状态"])
    rows = [
        [1, "DD001", "C001", date(2025, 6, 3), time(9, 15), "¥1,280.00", "已完成"],
        [2, "DD002", "C002", date(2025, 6, 3), time(23, 50), "¥99.00", "已完成"],
        [3, "DD003", "C001", date(2025, 6, 20), time(14, 0), "¥2,000.50", "已完成"],
        [4, "DD004", "C003", date(2025, 6, 21), time(8, 30), 560, "已完成"],
        [5, "DD005", "C004", None, time(10, 0), "¥10.00", "已完成"],  # no date
        [6, "DD006", "C002", date(2025, 6, 22), time(11, 0), "待定", "待支付"],  # no amount
        ["合计", None, None, None, None, "¥3,949.50", None],
    ]
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=4):
        if isinstance(cells[3].value, datetime):
            cells[3].number_format = "yyyy-mm-dd"
        if isinstance(cells[4].value, time):
            cells[4].number_format = "hh:mm:ss"
    book.save(path("tables", "orders.xlsx"))

    # Time-of-day cells where a date-time belongs: rejects, never calls on 1899-12-30/31.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["呼叫时间", "客户号码", "呼叫结果"])
    sheet.append([datetime(2025, 6, 5, 10, 30), "13800000001", "已接通"])
    sheet.append([time(10, 30), "13800000002", "已接通"])
    sheet.append(["1899-12-31 10:30:00", "13800000003", "未接通"])
    sheet.append([date(2025, 6, 6), "13800000004", "未接通"])
    sheet["A2"].number_format = "yyyy-mm-dd hh:mm:ss"
    sheet["A3"].number_format = "hh:mm:ss"
    sheet["A5"].number_format = "yyyy-mm-dd"
    book.save(path("tables", "time-cells.xlsx"))

    def csv_file(name, lines, encoding="utf-8", bom=False):
        data = ("\r\n".join(lines) + "\r\n").encode(encoding)
        with open(path("tables", name), "wb") as f:
            f.write((b"\xef\xbb\xbf" if bom else b"") + data)

    csv_file("dnc.csv", [
        "手机号码,加入日期,来源",
        "138 1234 5678,2025-05-01,监管名单",
        "+86-139 0000 0001,2025-05-02,客户要求",
        "13812345678,2025-04-15,投诉",  # listed before: the earliest listing stays
        "12345,2025-05-03,客户要求",  # not a phone number
        "010-62345678,2025-05-04,监管名单",
        ",2025-05-05,客户要求",  # no number
    ], bom=True)
    csv_file("dnc-more.csv", [
        "手机号码,加入日期,来源",
        "13900000001,2025-01-01,监管名单",  # listed earlier than in dnc.csv
        "13700000005,2025-06-01,客户要求",
    ])
    csv_file("agents.csv", [
        "工号,姓名,班组",
        "A01,张三,一组",
        "A02,李四,一组",
        "A03,王五,二组",
        "A02,李四,二组",  # the same agent twice
    ], encoding="gbk")
    csv_file("customers.csv", [
        "客户编号,手机号,省份,注册日期",
        "C001,138 1234 5678,广东,2024-03-01",
        "C002,+86-139-0000-0002,浙江,2024/05/06",
        "C003,13700000003,,",
        "C004,13700000004,北京,2024-13-01",  # month 13
    ])
    csv_file("scripts.csv", [
        "话术ID,任务,话术名称,版本",
        "S01,618大促回访,开场白A,1",
        "S02,618大促回访,开场白B,2",
        "S03,会员召回,召回话术,v3",
    ])
    csv_file("sessions.csv", [
        "会话ID,渠道,访客ID,客户ID,开始时间,首次响应时间,解决时间,结束时间,是否转人工,接待客服,是否解决,满意度,咨询意图",
        "S001,网页,V001,C001,2025-06-10 09:00:00,2025-06-10 09:00:05,2025-06-10 09:04:00,2025-06-10 09:05:00,否,,是,满意,退款",
        "S002,微信,V002,,2025-06-10 10:00:00,2025-06-10 10:00:30,,2025-06-10 10:10:00,是,A01,否,一般,投诉",
        "S003,电话,V003,C002,2025-06-11 23:30:00,2025-06-11 23:30:02,2025-06-11 23:40:00,2025-06-11 23:45:00,是,A02,是,非常满意,咨询",
        "S004,短信,V004,,2025-06-12 08:00:00,,,2025-06-12 08:01:00,否,,否,,咨询",  # a channel the map lacks
    ])
    csv_file("waihu-split.csv", [
        "任务,客户号码,呼叫日期,呼叫时间,通话时长,呼叫结果,是否转人工",
        "618大促回访,138 1234 5678,2025-06-05,10:00:00,2分15秒,已接通,是",
        "618大促回访,+86-139 0000 0002,2025-06-05,10:05:00,00:00:00,未接通,否",
        "618大促回访,139 0000 0003,2025-06-05,10:10:00,1小时2分3秒,已接通,否",
        "618大促回访,139 0000 0004,2025-06-05,,0,未接通,否",  # no time of day
        "合计,,,,,,",
    ], bom=True)


if __name__ == "__main__":
    asterisk()
    freeswitch()
    vicidial()
    connect()
    twilio()
    mapped()
    tables()
