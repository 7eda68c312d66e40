/*
 * ups-harness: an emulated USB UPS for Watchpost's end-to-end tests (test-only; never linked
 * into the product). It builds a libumockdev testbed holding one USB device and answers that
 * device's usbdevfs ioctls (SUBMITURB / REAPURBNDELAY / DISCARDURB …) itself, the way libusb's
 * own tests/umockdev.c does, then runs a command under libumockdev-preload so that real libusb
 * in that command (watchpost, or NUT's usbhid-ups / nutdrv_qx) talks to the emulated UPS.
 *
 *   ups-harness --device hid|q1 [--script STATE[xN],STATE…] [--unplug-at N] [--replug-after-ms MS]
 *               [--short-report-after-replug ID] -- COMMAND ARG…
 *
 * --device hid: a HID Power Device (APC vendor id 051d:0002) with a report descriptor written
 *   for these tests (report ids 1–7: charge, runtime, battery voltage + temperature, input
 *   voltage + frequency, output voltage + load, PresentStatus bits).
 * --device q1: a Megatec Q1 UPS behind a Cypress-style HID bridge (0665:5161): commands arrive
 *   as SET_REPORT chunks of 8 bytes, replies leave as 8-byte interrupt-IN packets.
 * --script: the UPS state machine. States: online, onbatt, lowbatt, shutdown, replbatt,
 *   overload (q1: online, onbatt, lowbatt, fsd, and the faulty answers NUT's trackers show from
 *   cheap units, #3103 and #2569: short = the reply cut after five fields, garbled = line noise
 *   inside the reply, range = a load of 999 %, stale = the rest of an earlier answer first).
 *   Each state lasts N status reads (HID: GET_REPORT
 *   of the status report 7; Q1: "Q1" commands), default 1; the last state stays.
 * --unplug-at N: the Nth status read fails with ENODEV and the device vanishes from sysfs (a
 *   cable pulled mid-read); --replug-after-ms brings it back.
 * --short-report-after-replug ID: once plugged back in, GET_REPORT of feature report ID answers
 *   3 bytes instead of its full length (NUT #2742: "expected 5 bytes, but got 3" after a USB
 *   disconnect, and usbhid-ups kept reporting the values from before).
 * The exit status is the command's.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <sys/wait.h>
#include <glib.h>
#include <umockdev.h>

#define SYSPATH "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
#define DEVNODE "/dev/bus/usb/001/002"

typedef struct {
    int ac, charging, discharging, below_limit, time_expired, need_repl, batt_present;
    int shutdown_imm, overload, boost, buck;
    int charge, runtime, batt_cv, temp_k, in_dv, in_chz, out_dv, load;
} HidState;

typedef struct { const char *name; HidState s; } HidStateDef;
static const HidStateDef hid_states[] = {
    {"online",   {1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 100, 2400, 1360, 300, 2300, 5000, 2300, 23}},
    {"onbatt",   {0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 80, 1500, 1280, 301, 0, 0, 2290, 23}},
    {"lowbatt",  {0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 25, 240, 1160, 302, 0, 0, 2280, 23}},
    {"shutdown", {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 10, 60, 1100, 302, 0, 0, 2270, 23}},
    {"replbatt", {1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 100, 2400, 1360, 300, 2300, 5000, 2300, 23}},
    {"overload", {1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 100, 2400, 1360, 300, 2300, 5000, 2300, 110}},
};

typedef struct { const char *name; const char *reply; } Q1StateDef;
static const Q1StateDef q1_states[] = {
    {"online",  "(230.0 230.0 230.0 023 50.0 13.6 30.0 00001000\r"},
    {"onbatt",  "(000.0 000.0 229.0 023 50.0 12.8 30.0 10001000\r"},
    {"lowbatt", "(000.0 000.0 228.0 023 50.0 11.2 30.0 11001000\r"},
    {"fsd",     "(000.0 000.0 228.0 023 50.0 10.8 30.0 11001010\r"},
    {"short",   "(230.0 230.0 230.0 023 50.0\r"},
    {"garbled", "(230.0 23\xfe.0 230.0 023 5\x01.0 13.6 30.0 00001000\r"},
    {"range",   "(230.0 230.0 230.0 999 50.0 13.6 30.0 00001000\r"},
    {"stale",   "3.6 30.0 00001000(230.0 230.0 230.0 023 50.0 13.6 30.0 00001000\r"},
};

/* The report descriptor of the emulated HID UPS (181 bytes), annotated. */
static const guint8 report_descriptor[] = {
    0x05, 0x84, 0x09, 0x04, 0xa1, 0x01,             /* Power Device: UPS, Application */
    0x09, 0x24, 0xa1, 0x02,                         /*   PowerSummary, Logical */
    0x05, 0x85, 0x85, 0x01, 0x09, 0x66,             /*     id 1 RemainingCapacity */
    0x15, 0x00, 0x25, 0x64, 0x75, 0x08, 0x95, 0x01, /*     0..100, 8 bits */
    0xb1, 0x02, 0x09, 0x66, 0x81, 0x02,             /*     Feature, Input */
    0x85, 0x02, 0x09, 0x68,                         /*     id 2 RunTimeToEmpty */
    0x27, 0xff, 0xff, 0x00, 0x00, 0x75, 0x10,       /*     0..65535, 16 bits */
    0x66, 0x01, 0x10, 0x55, 0x00, 0xb1, 0x02,       /*     seconds, exponent 0, Feature */
    0x85, 0x03, 0x05, 0x84, 0x09, 0x30,             /*     id 3 Voltage */
    0x67, 0x21, 0xd1, 0xf0, 0x00, 0x55, 0x05,       /*     volts, exponent 5 (centivolts) */
    0xb1, 0x02,
    0x09, 0x36, 0x67, 0x01, 0x00, 0x01, 0x00,       /*     Temperature, kelvin */
    0x55, 0x00, 0xb1, 0x02, 0x65, 0x00,
    0x09, 0x02, 0xa1, 0x02, 0x85, 0x07,             /*     PresentStatus, Logical, id 7 */
    0x05, 0x85, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01,
    0x09, 0xd0, 0xb1, 0x02, 0x09, 0xd0, 0x81, 0x02, /*       ACPresent */
    0x09, 0x44, 0xb1, 0x02, 0x09, 0x44, 0x81, 0x02, /*       Charging */
    0x09, 0x45, 0xb1, 0x02, 0x09, 0x45, 0x81, 0x02, /*       Discharging */
    0x09, 0x42, 0xb1, 0x02, 0x09, 0x42, 0x81, 0x02, /*       BelowRemainingCapacityLimit */
    0x09, 0x43, 0xb1, 0x02, 0x09, 0x43, 0x81, 0x02, /*       RemainingTimeLimitExpired */
    0x09, 0x4b, 0xb1, 0x02, 0x09, 0x4b, 0x81, 0x02, /*       NeedReplacement */
    0x09, 0xd1, 0xb1, 0x02, 0x09, 0xd1, 0x81, 0x02, /*       BatteryPresent */
    0x05, 0x84,
    0x09, 0x69, 0xb1, 0x02, 0x09, 0x69, 0x81, 0x02, /*       ShutdownImminent */
    0x09, 0x65, 0xb1, 0x02, 0x09, 0x65, 0x81, 0x02, /*       Overload */
    0x09, 0x6e, 0xb1, 0x02, 0x09, 0x6e, 0x81, 0x02, /*       Boost */
    0x09, 0x6f, 0xb1, 0x02, 0x09, 0x6f, 0x81, 0x02, /*       Buck */
    0x95, 0x05, 0xb1, 0x01, 0x81, 0x01,             /*       5 bits padding */
    0xc0, 0xc0,
    0x09, 0x1a, 0xa1, 0x02, 0x85, 0x04,             /*   Input, Logical, id 4 */
    0x09, 0x30, 0x67, 0x21, 0xd1, 0xf0, 0x00, 0x55, 0x06, /* Voltage, decivolts */
    0x15, 0x00, 0x27, 0xff, 0xff, 0x00, 0x00, 0x75, 0x10, 0x95, 0x01, 0xb1, 0x02,
    0x09, 0x32, 0x66, 0x01, 0xf0, 0x55, 0x0e, 0xb1, 0x02, /* Frequency, Hz, exponent -2 */
    0x65, 0x00, 0x55, 0x00, 0xc0,
    0x09, 0x1c, 0xa1, 0x02, 0x85, 0x05,             /*   Output, Logical, id 5 */
    0x09, 0x30, 0x67, 0x21, 0xd1, 0xf0, 0x00, 0x55, 0x06, 0xb1, 0x02, /* Voltage, decivolts */
    0x65, 0x00, 0x55, 0x00,
    0x09, 0x35, 0x26, 0xff, 0x00, 0x75, 0x08, 0xb1, 0x02, /* PercentLoad */
    0xc0,
    0xc0,
};

static gboolean q1_mode;
static GMutex lock;
static int script_state[32], script_count[32], script_len;
static int status_reads;
static int unplug_at = -1, replug_after_ms = -1, short_report_after_replug = -1;
static gboolean replugged;
static gboolean gone;
static UMockdevTestbed *testbed;
static GMainLoop *loop;
static int child_status = 1;

/* Pending URBs: submitted interrupt-IN ones waiting for data, and completed ones to reap. */
typedef struct { UMockdevIoctlData *urb; UMockdevIoctlData *buffer; } Urb;
static GQueue pending_in = G_QUEUE_INIT, completed = G_QUEUE_INIT;
/* Interrupt-IN packets waiting for an URB. */
static GQueue in_packets = G_QUEUE_INIT;
/* Q1: command bytes received so far. */
static GString *q1_command;
static int last_state = -1;

static int current_state(void) {
    int reads = status_reads, i = 0;
    for (; i < script_len - 1; i++) {
        if (reads < script_count[i]) break;
        reads -= script_count[i];
    }
    return script_state[i];
}

static void put16(guint8 *p, int v) { p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; }

/* Feature/input report `id` of the current state, id byte first; returns its length. */
static int hid_report(int id, guint8 *out) {
    const HidState *s = &hid_states[current_state()].s;
    memset(out, 0, 8);
    out[0] = id;
    switch (id) {
    case 1: out[1] = s->charge; return 2;
    case 2: put16(out + 1, s->runtime); return 3;
    case 3: put16(out + 1, s->batt_cv); put16(out + 3, s->temp_k); return 5;
    case 4: put16(out + 1, s->in_dv); put16(out + 3, s->in_chz); return 5;
    case 5: put16(out + 1, s->out_dv); out[3] = s->load; return 4;
    case 7: {
        int bits = s->ac | s->charging << 1 | s->discharging << 2 | s->below_limit << 3 | s->time_expired << 4 |
                   s->need_repl << 5 | s->batt_present << 6 | s->shutdown_imm << 7 | s->overload << 8 |
                   s->boost << 9 | s->buck << 10;
        put16(out + 1, bits);
        return 3;
    }
    default: return -1;
    }
}

static void queue_packet(const guint8 *data, int len) {
    g_queue_push_tail(&in_packets, g_byte_array_append(g_byte_array_new(), data, len));
}

/* A state change is announced on the interrupt pipe, as real UPSes do. */
static void announce_state_change(void) {
    int st = current_state();
    if (q1_mode || st == last_state) return;
    last_state = st;
    guint8 r[8];
    int n = hid_report(7, r); queue_packet(r, n);
    n = hid_report(1, r); queue_packet(r, n);
}

static void complete_urb(Urb *u, int status, const guint8 *data, int len) {
    struct usbdevfs_urb *urb = (struct usbdevfs_urb *)u->urb->data;
    if (data && len > 0 && u->buffer) umockdev_ioctl_data_update(u->buffer, 0, (guint8 *)data, len);
    int actual = len > 0 ? len : 0;
    umockdev_ioctl_data_update(u->urb, G_STRUCT_OFFSET(struct usbdevfs_urb, status), (guint8 *)&status, sizeof status);
    umockdev_ioctl_data_update(u->urb, G_STRUCT_OFFSET(struct usbdevfs_urb, actual_length), (guint8 *)&actual, sizeof actual);
    (void)urb;
    g_queue_push_tail(&completed, u);
}

static void feed_interrupts(void) {
    while (!g_queue_is_empty(&pending_in) && !g_queue_is_empty(&in_packets)) {
        Urb *u = g_queue_pop_head(&pending_in);
        GByteArray *p = g_queue_pop_head(&in_packets);
        struct usbdevfs_urb *urb = (struct usbdevfs_urb *)u->urb->data;
        int n = MIN((int)p->len, urb->buffer_length);
        complete_urb(u, 0, p->data, n);
        g_byte_array_unref(p);
    }
}

static gboolean replug(gpointer data) {
    (void)data;
    g_mutex_lock(&lock);
    GError *err = NULL;
    extern const char *device_description(void);
    if (!umockdev_testbed_add_from_string(testbed, device_description(), &err)) g_error("replug: %s", err->message);
    gone = FALSE;
    replugged = TRUE;
    g_mutex_unlock(&lock);
    fprintf(stderr, "ups-harness: device plugged back in\n");
    return G_SOURCE_REMOVE;
}

static void unplug(void) {
    gone = TRUE;
    umockdev_testbed_remove_device(testbed, SYSPATH);
    fprintf(stderr, "ups-harness: device unplugged at status read %d\n", status_reads);
    if (replug_after_ms >= 0) g_timeout_add(replug_after_ms, replug, NULL);
}

/* A status read has been answered: advance the script (the next read sees the next state). */
static void count_status_read(void) {
    status_reads++;
    announce_state_change();
}

/* A control transfer: setup packet + data. Returns the number of IN bytes written to `in`,
 * -EPIPE for a stall. */
static int control(const guint8 *setup, const guint8 *out_data, int out_len, guint8 *in) {
    int type = setup[0], request = setup[1], value = setup[2] | setup[3] << 8, length = setup[6] | setup[7] << 8;
    extern int standard_descriptor(int value, guint8 *in);
    if (type == 0x80 && request == 0x06) return MIN(standard_descriptor(value, in), length);
    if (type == 0x81 && request == 0x06 && value == 0x2200 && !q1_mode) {
        memcpy(in, report_descriptor, sizeof report_descriptor);
        return MIN((int)sizeof report_descriptor, length);
    }
    if (type == 0x81 && request == 0x06 && value == 0x2100) {
        extern int hid_descriptor(guint8 *in);
        return MIN(hid_descriptor(in), length);
    }
    if (type == 0x21 && request == 0x0a) return 0; /* SET_IDLE */
    if (type == 0x00 && request == 0x09) return 0; /* SET_CONFIGURATION */
    if (type == 0xa1 && request == 0x01 && !q1_mode) { /* GET_REPORT */
        int id = value & 0xff;
        if (id == 7 && unplug_at > 0 && status_reads + 1 == unplug_at) { status_reads++; unplug(); return -ENODEV; }
        int n = hid_report(id, in);
        if (replugged && id == short_report_after_replug && n > 3) n = 3;
        if (id == 7) count_status_read();
        return n < 0 ? -EPIPE : MIN(n, length);
    }
    if (type == 0x21 && request == 0x09 && q1_mode) { /* SET_REPORT: a command chunk */
        for (int i = 0; i < out_len; i++) {
            if (out_data[i] == 0) continue;
            g_string_append_c(q1_command, out_data[i]);
            if (out_data[i] != '\r') continue;
            const char *reply;
            if (strcmp(q1_command->str, "Q1\r") == 0) {
                if (unplug_at > 0 && status_reads + 1 == unplug_at) {
                    status_reads++; unplug(); g_string_truncate(q1_command, 0); return -ENODEV;
                }
                reply = q1_states[current_state()].reply;
                count_status_read();
            } else if (strcmp(q1_command->str, "I\r") == 0) {
                reply = "#Watchpost Test  TESTQ1     V1.0      \r";
            } else if (strcmp(q1_command->str, "F\r") == 0) {
                reply = "#230.0 002 12.00 50.0\r";
            } else {
                reply = q1_command->str; /* Megatec units echo what they do not know. */
            }
            size_t len = strlen(reply);
            for (size_t off = 0; off < len; off += 8) {
                guint8 packet[8] = {0};
                memcpy(packet, reply + off, MIN(8, len - off));
                queue_packet(packet, 8);
            }
            g_string_truncate(q1_command, 0);
        }
        return 0;
    }
    return -EPIPE;
}

static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer data) {
    (void)handler; (void)data;
    GError *err = NULL;
    gulong request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    g_mutex_lock(&lock);
    if (gone && request != USBDEVFS_RELEASEINTERFACE) {
        g_mutex_unlock(&lock);
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return TRUE;
    }
    switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), &err);
        guint32 caps = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_NO_PACKET_SIZE_LIM;
        umockdev_ioctl_data_update(d, 0, (guint8 *)&caps, sizeof caps);
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    }
    case USBDEVFS_GETDRIVER:
        umockdev_ioctl_client_complete(client, -1, ENODATA); /* no kernel driver bound */
        break;
    case USBDEVFS_CLAIMINTERFACE: case USBDEVFS_RELEASEINTERFACE: case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION: case USBDEVFS_RESET: case USBDEVFS_CLEAR_HALT: case USBDEVFS_IOCTL:
    case USBDEVFS_DISCONNECT_CLAIM:
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_GET_SPEED:
        umockdev_ioctl_client_complete(client, 2 /* USB_SPEED_FULL */, 0);
        break;
    case USBDEVFS_SUBMITURB: {
        UMockdevIoctlData *urb_d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), &err);
        if (!urb_d) g_error("SUBMITURB: %s", err ? err->message : "null urb");
        struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urb_d->data;
        UMockdevIoctlData *buf_d = urb->buffer_length > 0
            ? umockdev_ioctl_data_resolve(urb_d, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer), urb->buffer_length, &err) : NULL;
        Urb *u = g_new0(Urb, 1);
        u->urb = umockdev_ioctl_data_ref(urb_d);
        u->buffer = buf_d ? umockdev_ioctl_data_ref(buf_d) : NULL;
        if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
            guint8 in[512] = {0};
            const guint8 *b = buf_d->data;
            int out_len = (b[0] & 0x80) ? 0 : urb->buffer_length - 8;
            int n = control(b, b + 8, out_len, in);
            if (n == -ENODEV) {
                g_mutex_unlock(&lock);
                umockdev_ioctl_client_complete(client, -1, ENODEV);
                return TRUE;
            }
            if (n < 0) complete_urb(u, n, NULL, 0);
            else if (b[0] & 0x80) {
                int status = 0, actual = n;
                umockdev_ioctl_data_update(u->buffer, 8, in, n);
                umockdev_ioctl_data_update(u->urb, G_STRUCT_OFFSET(struct usbdevfs_urb, status), (guint8 *)&status, sizeof status);
                umockdev_ioctl_data_update(u->urb, G_STRUCT_OFFSET(struct usbdevfs_urb, actual_length), (guint8 *)&actual, sizeof actual);
                g_queue_push_tail(&completed, u);
            } else {
                int status = 0, actual = out_len;
                umockdev_ioctl_data_update(u->urb, G_STRUCT_OFFSET(struct usbdevfs_urb, status), (guint8 *)&status, sizeof status);
                umockdev_ioctl_data_update(u->urb, G_STRUCT_OFFSET(struct usbdevfs_urb, actual_length), (guint8 *)&actual, sizeof actual);
                g_queue_push_tail(&completed, u);
            }
        } else if (urb->type == USBDEVFS_URB_TYPE_INTERRUPT && (urb->endpoint & 0x80)) {
            g_queue_push_tail(&pending_in, u);
        } else {
            complete_urb(u, -EPIPE, NULL, 0);
        }
        feed_interrupts();
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    }
    case USBDEVFS_DISCARDURB: {
        /* The client gives up on an URB (a read timed out): it is reaped with -ENOENT. */
        gulong addr = *(gulong *)arg->data;
        gboolean found = FALSE;
        for (GList *l = pending_in.head; l; l = l->next) {
            Urb *u = l->data;
            if (u->urb->client_addr == addr) {
                g_queue_delete_link(&pending_in, l);
                complete_urb(u, -ENOENT, NULL, 0);
                found = TRUE;
                break;
            }
        }
        umockdev_ioctl_client_complete(client, found ? 0 : -1, found ? 0 : EINVAL);
        break;
    }
    case USBDEVFS_REAPURB: case USBDEVFS_REAPURBNDELAY: {
        Urb *u = g_queue_pop_head(&completed);
        if (!u) { umockdev_ioctl_client_complete(client, -1, EAGAIN); break; }
        UMockdevIoctlData *slot = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), &err);
        umockdev_ioctl_data_set_ptr(slot, 0, u->urb);
        umockdev_ioctl_client_complete(client, 0, 0);
        umockdev_ioctl_data_unref(u->urb);
        if (u->buffer) umockdev_ioctl_data_unref(u->buffer);
        g_free(u);
        break;
    }
    default:
        g_mutex_unlock(&lock);
        return FALSE;
    }
    if (err) g_warning("ioctl 0x%lx: %s", request, err->message);
    g_clear_error(&err);
    g_mutex_unlock(&lock);
    return TRUE;
}

/* Device, configuration and string descriptors. */
static guint8 device_descriptor[18];
static guint8 config_descriptor[34];

static void build_descriptors(void) {
    int vid = q1_mode ? 0x0665 : 0x051d, pid = q1_mode ? 0x5161 : 0x0002;
    guint8 dev[18] = {18, 1, 0x10, 0x01, 0, 0, 0, 8, vid & 0xff, vid >> 8, pid & 0xff, pid >> 8, 0x06, 0x01, 1, 2, q1_mode ? 0 : 3, 1};
    memcpy(device_descriptor, dev, 18);
    int rlen = q1_mode ? 27 : (int)sizeof report_descriptor;
    guint8 cfg[34] = {
        9, 2, 34, 0, 1, 1, 0, 0xa0, 50,
        9, 4, 0, 0, 1, 3, 0, 0, 0,
        9, 0x21, 0x10, 0x01, 0, 1, 0x22, rlen & 0xff, rlen >> 8,
        7, 5, 0x81, 3, 8, 0, 10,
    };
    memcpy(config_descriptor, cfg, 34);
}

int hid_descriptor(guint8 *in) { memcpy(in, config_descriptor + 18, 9); return 9; }

static int string_descriptor(const char *s, guint8 *in) {
    int n = strlen(s);
    in[0] = 2 + 2 * n; in[1] = 3;
    for (int i = 0; i < n; i++) { in[2 + 2 * i] = s[i]; in[3 + 2 * i] = 0; }
    return 2 + 2 * n;
}

int standard_descriptor(int value, guint8 *in) {
    int type = value >> 8, index = value & 0xff;
    if (type == 1) { memcpy(in, device_descriptor, 18); return 18; }
    if (type == 2) { memcpy(in, config_descriptor, 34); return 34; }
    if (type == 3) {
        if (index == 0) { in[0] = 4; in[1] = 3; in[2] = 0x09; in[3] = 0x04; return 4; }
        if (index == 1) return string_descriptor(q1_mode ? "MEC" : "American Power Conversion", in);
        if (index == 2) return string_descriptor(q1_mode ? "MEC0003" : "Back-UPS BX1600MI FW:378600G", in);
        if (index == 3) return string_descriptor("WP4T2026001", in);
    }
    return -EPIPE;
}

static char *description;
const char *device_description(void) { return description; }

static void build_description(void) {
    GString *hex = g_string_new(NULL);
    for (int i = 0; i < 18; i++) g_string_append_printf(hex, "%02x", device_descriptor[i]);
    for (int i = 0; i < 34; i++) g_string_append_printf(hex, "%02x", config_descriptor[i]);
    description = g_strdup_printf(
        "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
        "N: bus/usb/001/002\n"
        "E: DEVNAME=/dev/bus/usb/001/002\n"
        "E: DEVTYPE=usb_device\n"
        "E: DRIVER=usb\n"
        "E: SUBSYSTEM=usb\n"
        "E: BUSNUM=001\n"
        "E: DEVNUM=002\n"
        "E: PRODUCT=%x/%x/106\n"
        "A: busnum=1\n"
        "A: devnum=2\n"
        "A: speed=12\n"
        "A: idVendor=%04x\n"
        "A: idProduct=%04x\n"
        "A: bConfigurationValue=1\n"
        "A: bNumConfigurations=1\n"
        "A: bDeviceClass=00\n"
        "A: manufacturer=%s\n"
        "A: product=%s\n"
        "H: descriptors=%s\n",
        device_descriptor[8] | device_descriptor[9] << 8, device_descriptor[10] | device_descriptor[11] << 8,
        device_descriptor[8] | device_descriptor[9] << 8, device_descriptor[10] | device_descriptor[11] << 8,
        q1_mode ? "MEC" : "American Power Conversion", q1_mode ? "MEC0003" : "Back-UPS BX1600MI FW:378600G", hex->str);
    g_string_free(hex, TRUE);
}

static void child_exited(GPid pid, gint status, gpointer data) {
    (void)data;
    child_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    g_spawn_close_pid(pid);
    g_main_loop_quit(loop);
}

static int state_index(const char *name) {
    if (q1_mode) {
        for (size_t i = 0; i < G_N_ELEMENTS(q1_states); i++) if (strcmp(q1_states[i].name, name) == 0) return i;
    } else {
        for (size_t i = 0; i < G_N_ELEMENTS(hid_states); i++) if (strcmp(hid_states[i].name, name) == 0) return i;
    }
    fprintf(stderr, "ups-harness: unknown state '%s'\n", name);
    exit(2);
}

int main(int argc, char **argv) {
    const char *script = "online";
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (i + 1 >= argc) { fprintf(stderr, "ups-harness: %s needs a value\n", argv[i]); return 2; }
        if (strcmp(argv[i], "--device") == 0) q1_mode = strcmp(argv[++i], "q1") == 0;
        else if (strcmp(argv[i], "--script") == 0) script = argv[++i];
        else if (strcmp(argv[i], "--unplug-at") == 0) unplug_at = atoi(argv[++i]);
        else if (strcmp(argv[i], "--replug-after-ms") == 0) replug_after_ms = atoi(argv[++i]);
        else if (strcmp(argv[i], "--short-report-after-replug") == 0) short_report_after_replug = atoi(argv[++i]);
        else { fprintf(stderr, "ups-harness: unknown option %s\n", argv[i]); return 2; }
    }
    if (i >= argc) { fprintf(stderr, "usage: ups-harness [--device hid|q1] [--script S] [--unplug-at N] [--replug-after-ms MS] [--short-report-after-replug ID] -- COMMAND…\n"); return 2; }
    gchar **steps = g_strsplit(script, ",", 32);
    for (script_len = 0; steps[script_len] && script_len < 32; script_len++) {
        gchar **p = g_strsplit(steps[script_len], "x", 2);
        script_state[script_len] = state_index(p[0]);
        script_count[script_len] = p[1] ? atoi(p[1]) : 1;
        g_strfreev(p);
    }
    g_strfreev(steps);
    q1_command = g_string_new(NULL);
    build_descriptors();
    build_description();

    testbed = umockdev_testbed_new();
    GError *err = NULL;
    if (!umockdev_testbed_add_from_string(testbed, description, &err)) { fprintf(stderr, "ups-harness: %s\n", err->message); return 2; }
    UMockdevIoctlBase *handler = umockdev_ioctl_base_new();
    g_signal_connect(handler, "handle-ioctl", G_CALLBACK(handle_ioctl), NULL);
    if (!umockdev_testbed_attach_ioctl(testbed, DEVNODE, handler, &err)) { fprintf(stderr, "ups-harness: %s\n", err->message); return 2; }
    announce_state_change();

    /* The child runs under the preload library, in this testbed (UMOCKDEV_DIR is inherited). */
    gchar **env = g_get_environ();
    const char *old = g_environ_getenv(env, "LD_PRELOAD");
    gchar *preload = old && *old ? g_strdup_printf("libumockdev-preload.so.0:%s", old) : g_strdup("libumockdev-preload.so.0");
    env = g_environ_setenv(env, "LD_PRELOAD", preload, TRUE);
    env = g_environ_setenv(env, "UMOCKDEV_DIR", umockdev_testbed_get_root_dir(testbed), TRUE);
    GPid pid;
    if (!g_spawn_async(NULL, argv + i, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                       NULL, NULL, &pid, &err)) {
        fprintf(stderr, "ups-harness: cannot run %s: %s\n", argv[i], err->message);
        return 127;
    }
    loop = g_main_loop_new(NULL, FALSE);
    g_child_watch_add(pid, child_exited, NULL);
    g_main_loop_run(loop);
    g_object_unref(testbed);
    return child_status;
}
