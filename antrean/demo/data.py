"""Demo offices, agencies and services: realistic data for two public service malls (MPP).

Fees are official fees in rupiah (most services are free). Requirements are what the citizen
must bring, in Indonesian, as shown on the service standard (standar pelayanan).
"""

# Notes on the data:
# - Fees follow the national PNBP regulations named in each `fee_note`: PP 45/2024 (paspor,
#   Kementerian Hukum dan HAM), PP 76/2020 (Polri: SKCK, SIM), PP 128/2015 (ATR/BPN), PP 5/2019
#   (Mahkamah Agung) and PP 48/2014 jo. PP 19/2015 (nikah). Taxes and regional levies (PKB,
#   retribusi PBG, panjar perkara) depend on the case, so those services show fee 0 and explain
#   the amount in `fee_note`.
# - Bali's regional closures follow the Pawukon cycle: Galungan every 210 days (Rabu Kliwon
#   Dungulan), Umanis Galungan the day after, Kuningan 10 days after, Pagerwesi 70 days before
#   Galungan. Nyepi 2027 (9 March) is the expected date; confirm it against the SKB Tiga Menteri
#   for 2027. Nyepi is also a national holiday, so that date may already exist as a closure.
# - Addresses and telephone numbers are plausible demo values, not verified office contacts.

OFFICES = [
    {
        "code": "mpp-badung",
        "name": "Mal Pelayanan Publik Kabupaten Badung",
        "region_code": "51.03",
        "region_name": "Kabupaten Badung",
        "province_code": "51",
        "province_name": "Bali",
        # Demo accounts of the governments above the office (demo_staff_ensure).
        "province_account": "pemprov-bali",
        "regency_account": "pemkab-badung",
        "timezone": "Asia/Makassar",
        "address": (
            "Kompleks Pusat Pemerintahan Kabupaten Badung, Jl. Raya Sempidi, Mangupura, "
            "Kecamatan Mengwi, Kabupaten Badung, Bali 80351"
        ),
        "phone": "(0361) 4453 100",
        # weekday 0=Monday..6=Sunday -> (opens, closes, break_start, break_end); missing = closed
        "opening_hours": {
            0: ("08:00", "15:00", "12:00", "13:00"),
            1: ("08:00", "15:00", "12:00", "13:00"),
            2: ("08:00", "15:00", "12:00", "13:00"),
            3: ("08:00", "15:00", "12:00", "13:00"),
            4: ("08:00", "13:00", None, None),
        },
        # Before Friday's closing time, so the same rule works on every open day.
        "daily_cutoff": "12:00",
        "regional_closures": [
            ("2026-03-19", "Hari Suci Nyepi Tahun Baru Saka 1948"),
            ("2026-04-08", "Hari Suci Pagerwesi"),
            ("2026-06-17", "Hari Raya Galungan"),
            ("2026-06-18", "Umanis Galungan"),
            ("2026-06-27", "Hari Raya Kuningan"),
            ("2026-11-04", "Hari Suci Pagerwesi"),
            ("2027-01-13", "Hari Raya Galungan"),
            ("2027-01-14", "Umanis Galungan"),
            ("2027-01-23", "Hari Raya Kuningan"),
            ("2027-03-09", "Hari Suci Nyepi Tahun Baru Saka 1949"),
            ("2027-06-02", "Hari Suci Pagerwesi"),
            ("2027-08-11", "Hari Raya Galungan"),
            ("2027-08-12", "Umanis Galungan"),
            ("2027-08-21", "Hari Raya Kuningan"),
            ("2027-12-29", "Hari Suci Pagerwesi"),
        ],
        "running_text": (
            "Selamat datang di Mal Pelayanan Publik Kabupaten Badung. Sebagian besar layanan "
            "GRATIS; bayarlah hanya biaya resmi yang tertera. Dengan mengambil nomor antrean, "
            "Anda turut menandatangani pakta integritas: jangan memberi imbalan atau gratifikasi "
            "kepada petugas. Laporkan pungutan liar melalui SP4N-LAPOR! di lapor.go.id."
        ),
        # Counters (loket) on the floor: numbers are unique in the office; "services" lists
        # what the counter serves (omitted: every service of its agency).
        "counters": [
            {"number": 1, "agency": "disdukcapil", "services": ["ktp-el", "kia", "aktivasi-ikd"]},
            {
                "number": 2,
                "agency": "disdukcapil",
                "services": ["kartu-keluarga", "akta-kelahiran", "akta-kematian", "pindah-datang"],
            },
            {"number": 3, "agency": "disdukcapil"},
            {"number": 4, "agency": "imigrasi"},
            {"number": 5, "agency": "imigrasi"},
            {"number": 6, "agency": "samsat"},
            {"number": 7, "agency": "samsat", "services": ["pkb-tahunan"]},
            {"number": 8, "agency": "bpjs-kesehatan"},
            {"number": 9, "agency": "bpjs-ketenagakerjaan"},
            {"number": 10, "agency": "bpn"},
            {"number": 11, "agency": "polres", "services": ["skck"]},
            {"number": 12, "agency": "polres", "services": ["perpanjangan-sim"]},
            {"number": 13, "agency": "kpp"},
            {"number": 14, "agency": "dpmptsp"},
            {"number": 15, "agency": "pengadilan-agama"},
            {"number": 16, "agency": "kemenag"},
            {"number": 17, "agency": "pdam"},
            {"number": 18, "agency": "bank-bpd"},
        ],
        "agencies": [
            {
                "code": "disdukcapil",
                "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Badung",
                "short_name": "Disdukcapil",
                "services": [
                    {
                        "code": "ktp-el",
                        "name": "Perekaman dan Pencetakan KTP-el",
                        "prefix": "A",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 8,
                        "walkin_daily_quota": 60,
                        "requirements": [
                            "Fotokopi Kartu Keluarga (KK)",
                            "Berusia 17 tahun, sudah kawin, atau pernah kawin",
                            "KTP-el lama bagi penggantian karena rusak atau perubahan data",
                            "Surat keterangan kehilangan dari kepolisian bila KTP-el hilang",
                        ],
                        "description": (
                            "Perekaman sidik jari, iris mata, foto, dan tanda tangan serta "
                            "pencetakan KTP-el baru, rusak, hilang, atau karena perubahan data."
                        ),
                    },
                    {
                        "code": "kartu-keluarga",
                        "name": "Penerbitan Kartu Keluarga",
                        "prefix": "B",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 50,
                        "requirements": [
                            "Kartu Keluarga lama",
                            "Fotokopi buku nikah/akta perkawinan atau akta perceraian",
                            "Surat keterangan pindah bagi penduduk yang pindah datang",
                            "Formulir biodata keluarga yang telah diisi dan ditandatangani",
                        ],
                        "description": (
                            "Penerbitan Kartu Keluarga baru, penambahan atau pengurangan anggota "
                            "keluarga, dan perubahan data dalam Kartu Keluarga."
                        ),
                    },
                    {
                        "code": "akta-kelahiran",
                        "name": "Penerbitan Akta Kelahiran",
                        "prefix": "C",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "Surat keterangan lahir dari rumah sakit, puskesmas, atau bidan",
                            "Kartu Keluarga tempat anak akan didaftarkan",
                            "Fotokopi buku nikah atau akta perkawinan orang tua",
                            "KTP-el orang tua",
                            "Formulir pelaporan pencatatan sipil (F-2.01) yang telah diisi",
                        ],
                        "description": (
                            "Pencatatan kelahiran dan penerbitan kutipan akta kelahiran bagi "
                            "penduduk Kabupaten Badung."
                        ),
                    },
                    {
                        "code": "akta-kematian",
                        "name": "Penerbitan Akta Kematian",
                        "prefix": "D",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "Surat keterangan kematian dari rumah sakit atau perbekel/lurah",
                            "KTP-el dan Kartu Keluarga almarhum atau almarhumah",
                            "KTP-el pelapor",
                            "Formulir pelaporan pencatatan sipil (F-2.01) yang telah diisi",
                        ],
                        "description": (
                            "Pencatatan kematian dan penerbitan akta kematian sekaligus "
                            "pemutakhiran Kartu Keluarga ahli waris."
                        ),
                    },
                    {
                        "code": "kia",
                        "name": "Penerbitan Kartu Identitas Anak (KIA)",
                        "prefix": "E",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 10,
                        "slot_minutes": 30,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 30,
                        "requirements": [
                            "Fotokopi Kartu Keluarga",
                            "Fotokopi akta kelahiran anak",
                            "Pas foto berwarna anak ukuran 2x3 bagi anak usia 5 tahun ke atas",
                            "KTP-el orang tua atau wali",
                        ],
                        "description": (
                            "Penerbitan Kartu Identitas Anak bagi anak berusia di bawah 17 tahun "
                            "yang belum menikah."
                        ),
                    },
                    {
                        "code": "pindah-datang",
                        "name": "Surat Keterangan Pindah dan Pindah Datang",
                        "prefix": "F",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 25,
                        "requirements": [
                            "Kartu Keluarga",
                            "KTP-el seluruh anggota keluarga yang pindah",
                            "Surat Keterangan Pindah WNI (SKPWNI) dari daerah asal bagi pendatang",
                            "Formulir pendaftaran perpindahan penduduk (F-1.03) yang telah diisi",
                        ],
                        "description": (
                            "Penerbitan surat keterangan pindah keluar dan pencatatan penduduk "
                            "yang pindah datang ke Kabupaten Badung."
                        ),
                    },
                    {
                        "code": "aktivasi-ikd",
                        "name": "Aktivasi Identitas Kependudukan Digital (IKD)",
                        "prefix": "G",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 30,
                        "slot_capacity": 5,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "KTP-el asli",
                            "Telepon pintar dengan aplikasi Identitas Kependudukan Digital",
                            "Nomor telepon seluler dan alamat surel yang aktif",
                        ],
                        "description": (
                            "Pendampingan pemasangan dan aktivasi KTP digital melalui aplikasi "
                            "Identitas Kependudukan Digital."
                        ),
                    },
                ],
            },
            {
                "code": "imigrasi",
                "name": "Kantor Imigrasi Kelas I Khusus TPI Ngurah Rai",
                "short_name": "Imigrasi Ngurah Rai",
                "services": [
                    {
                        "code": "paspor-baru",
                        "name": "Permohonan Paspor Elektronik Baru (Masa Berlaku 10 Tahun)",
                        "prefix": "H",
                        # The classic calo target: its online places are drawn (antrean.
                        # draws). Windows from 14 days ahead to 2 days ahead at 07:00, so
                        # that whenever the demo runs, several days take requests.
                        "release_mode": "draw",
                        "draw_open_days": 14,
                        "draw_close_days": 2,
                        "fee": 950000,
                        "fee_note": "PNBP sesuai PP 45/2024; paspor elektronik 5 tahun Rp650.000",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 10,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "KTP-el asli",
                            "Kartu Keluarga asli",
                            "Akta kelahiran, ijazah, atau buku nikah yang memuat tanggal lahir",
                            "Bukti jadwal kedatangan dari aplikasi M-Paspor",
                            "Bukti pembayaran PNBP melalui kode billing",
                        ],
                        "description": (
                            "Pengambilan foto, sidik jari, dan wawancara untuk penerbitan paspor "
                            "elektronik baru bagi WNI dewasa."
                        ),
                    },
                    {
                        "code": "paspor-penggantian",
                        "name": "Penggantian Paspor Habis Berlaku atau Halaman Penuh",
                        "prefix": "J",
                        "fee": 650000,
                        "fee_note": "PNBP paspor non-elektronik 10 tahun sesuai PP 45/2024",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 10,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "Paspor lama asli",
                            "KTP-el asli",
                            "Bukti jadwal kedatangan dari aplikasi M-Paspor",
                            "Bukti pembayaran PNBP melalui kode billing",
                        ],
                        "description": (
                            "Penggantian paspor yang masa berlakunya habis atau halamannya penuh "
                            "tanpa perubahan data."
                        ),
                    },
                ],
            },
            {
                "code": "samsat",
                "name": "Samsat Badung (UPTD PPRD Badung, Badan Pendapatan Daerah Provinsi Bali)",
                "short_name": "Samsat Badung",
                "services": [
                    {
                        "code": "pkb-tahunan",
                        "name": "Pembayaran Pajak Kendaraan Tahunan dan Pengesahan STNK",
                        "prefix": "K",
                        "fee": 0,
                        "fee_note": "Bayar PKB dan SWDKLLJ sesuai notice pajak kendaraan",
                        "duration_minutes": 10,
                        "slot_minutes": 30,
                        "slot_capacity": 8,
                        "walkin_daily_quota": 80,
                        "requirements": [
                            "STNK asli",
                            "KTP-el asli atas nama pemilik sesuai STNK",
                            "Surat kuasa bermeterai dan KTP-el penerima kuasa bila diwakilkan",
                        ],
                        "description": (
                            "Pembayaran Pajak Kendaraan Bermotor dan SWDKLLJ tahunan serta "
                            "pengesahan STNK."
                        ),
                    },
                    {
                        "code": "blokir-kepemilikan",
                        "name": "Lapor Jual dan Pemblokiran Data Kepemilikan Kendaraan",
                        "prefix": "L",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "KTP-el asli pemilik lama sesuai STNK",
                            "Fotokopi STNK kendaraan yang telah dijual",
                            "Surat pernyataan penjualan kendaraan bermeterai",
                            "Fotokopi kuitansi jual beli bila ada",
                        ],
                        "description": (
                            "Pemblokiran data kendaraan yang sudah dijual agar pemilik lama tidak "
                            "dikenai pajak progresif atas kendaraan tersebut."
                        ),
                    },
                ],
            },
            {
                "code": "bpjs-kesehatan",
                "name": "BPJS Kesehatan Kantor Cabang Denpasar",
                "short_name": "BPJS Kesehatan",
                "services": [
                    {
                        "code": "jkn-pendaftaran",
                        "name": "Pendaftaran Peserta JKN Mandiri (PBPU)",
                        "prefix": "M",
                        "fee": 0,
                        "fee_note": "Gratis; iuran bulanan dibayar sesuai kelas yang dipilih",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "KTP-el dan Kartu Keluarga seluruh anggota keluarga",
                            "Nomor telepon seluler dan alamat surel yang aktif",
                            "Buku tabungan atau rekening untuk pendebetan iuran otomatis",
                            "Pilihan fasilitas kesehatan tingkat pertama (FKTP)",
                        ],
                        "description": (
                            "Pendaftaran peserta Jaminan Kesehatan Nasional segmen pekerja bukan "
                            "penerima upah beserta anggota keluarganya."
                        ),
                    },
                    {
                        "code": "jkn-perubahan-data",
                        "name": "Perubahan Data Peserta dan Pindah Faskes JKN",
                        "prefix": "N",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "Kartu JKN atau nomor peserta",
                            "KTP-el dan Kartu Keluarga terbaru",
                            "Dokumen pendukung perubahan seperti akta kelahiran atau buku nikah",
                        ],
                        "description": (
                            "Perbaikan data peserta, penambahan anggota keluarga, dan perpindahan "
                            "fasilitas kesehatan tingkat pertama."
                        ),
                    },
                ],
            },
            {
                "code": "bpjs-ketenagakerjaan",
                "name": "BPJS Ketenagakerjaan Kantor Cabang Bali Mangupura",
                "short_name": "BPJS Ketenagakerjaan",
                "services": [
                    {
                        "code": "bpu-pendaftaran",
                        "name": "Pendaftaran Peserta Bukan Penerima Upah",
                        "prefix": "P",
                        "fee": 0,
                        "fee_note": "Gratis; iuran dibayar sesuai program yang dipilih",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 5,
                        "walkin_daily_quota": 30,
                        "requirements": [
                            "KTP-el asli",
                            "Nomor telepon seluler yang aktif",
                            "Pilihan program (JKK, JKM, dan JHT) serta besar penghasilan",
                        ],
                        "description": (
                            "Pendaftaran pekerja mandiri seperti petani, pedagang, dan pengemudi "
                            "ojek sebagai peserta BPJS Ketenagakerjaan."
                        ),
                    },
                    {
                        "code": "klaim-jht",
                        "name": "Klaim Jaminan Hari Tua (JHT)",
                        "prefix": "Q",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 20,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "Kartu peserta BPJS Ketenagakerjaan",
                            "KTP-el dan Kartu Keluarga asli",
                            "Surat keterangan berhenti bekerja (paklaring) dari perusahaan",
                            "Buku tabungan atas nama peserta",
                            "NPWP bagi saldo JHT di atas Rp50.000.000",
                        ],
                        "description": (
                            "Pengajuan pencairan saldo Jaminan Hari Tua bagi peserta yang berhenti "
                            "bekerja atau memasuki usia pensiun."
                        ),
                    },
                ],
            },
            {
                "code": "bpn",
                "name": "Kantor Pertanahan Kabupaten Badung",
                "short_name": "BPN Badung",
                "services": [
                    {
                        "code": "pengecekan-sertipikat",
                        "name": "Pengecekan Sertipikat Hak atas Tanah",
                        "prefix": "R",
                        "fee": 50000,
                        "fee_note": "PNBP per sertipikat sesuai PP 128/2015",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 30,
                        "requirements": [
                            "Sertipikat hak atas tanah asli",
                            "Fotokopi KTP-el pemohon atau pemegang hak",
                            "Surat kuasa bermeterai bila dikuasakan",
                            "Formulir permohonan yang telah diisi",
                        ],
                        "description": (
                            "Pencocokan data sertipikat dengan buku tanah di Kantor Pertanahan "
                            "sebelum jual beli atau pembebanan hak tanggungan."
                        ),
                    },
                    {
                        "code": "roya",
                        "name": "Roya (Penghapusan Hak Tanggungan)",
                        "prefix": "S",
                        "fee": 50000,
                        "fee_note": "PNBP per hak tanggungan sesuai PP 128/2015",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 5,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "Sertipikat hak atas tanah asli",
                            "Sertipikat Hak Tanggungan asli",
                            "Surat roya atau keterangan lunas dari bank (kreditur)",
                            "Fotokopi KTP-el pemohon",
                            "Formulir permohonan yang telah diisi",
                        ],
                        "description": (
                            "Pencoretan catatan hak tanggungan pada sertipikat setelah kredit "
                            "dinyatakan lunas."
                        ),
                    },
                    {
                        "code": "skpt",
                        "name": "Surat Keterangan Pendaftaran Tanah (SKPT)",
                        "prefix": "T",
                        "fee": 50000,
                        "fee_note": "PNBP per bidang sesuai PP 128/2015",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 15,
                        "requirements": [
                            "Fotokopi sertipikat hak atas tanah",
                            "Fotokopi KTP-el pemohon",
                            "Surat kuasa bermeterai bila dikuasakan",
                            "Formulir permohonan yang telah diisi",
                        ],
                        "description": (
                            "Penerbitan keterangan data fisik dan data yuridis bidang tanah yang "
                            "tercatat di Kantor Pertanahan."
                        ),
                    },
                ],
            },
            {
                "code": "polres",
                "name": "Kepolisian Resor Badung",
                "short_name": "Polres Badung",
                "services": [
                    {
                        "code": "skck",
                        "name": "Penerbitan Surat Keterangan Catatan Kepolisian (SKCK)",
                        "prefix": "U",
                        "fee": 30000,
                        "fee_note": "PNBP sesuai PP 76/2020",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 10,
                        "walkin_daily_quota": 60,
                        "requirements": [
                            "Fotokopi KTP-el",
                            "Fotokopi Kartu Keluarga",
                            "Fotokopi akta kelahiran atau ijazah terakhir",
                            "Pas foto berwarna ukuran 4x6 latar belakang merah sebanyak 6 lembar",
                            "Kartu sidik jari (dapat dibuat di loket)",
                        ],
                        "description": (
                            "Penerbitan SKCK baru atau perpanjangan untuk keperluan melamar kerja, "
                            "sekolah, dan keperluan administrasi lainnya."
                        ),
                    },
                    {
                        "code": "perpanjangan-sim",
                        "name": "Perpanjangan SIM A dan SIM C",
                        "prefix": "V",
                        "fee": 75000,
                        "fee_note": (
                            "PNBP SIM C sesuai PP 76/2020; SIM A Rp80.000. Tes kesehatan dan "
                            "psikologi dibayar terpisah"
                        ),
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 8,
                        "walkin_daily_quota": 50,
                        "requirements": [
                            "SIM lama yang masih berlaku",
                            "KTP-el asli dan fotokopinya",
                            "Surat keterangan sehat jasmani dari dokter",
                            "Sertifikat hasil tes psikologi",
                        ],
                        "description": (
                            "Perpanjangan Surat Izin Mengemudi golongan A dan C sebelum masa "
                            "berlakunya habis."
                        ),
                    },
                ],
            },
            {
                "code": "kpp",
                "name": "Kantor Pelayanan Pajak Pratama Badung Utara",
                "short_name": "KPP Badung Utara",
                "services": [
                    {
                        "code": "npwp",
                        "name": "Pendaftaran NPWP dan Validasi NIK sebagai NPWP",
                        "prefix": "W",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "KTP-el asli",
                            "Alamat surel dan nomor telepon seluler yang aktif",
                            "Surat keterangan usaha bagi orang pribadi yang berusaha",
                            "Akta pendirian dan NIB bagi wajib pajak badan",
                        ],
                        "description": (
                            "Pendaftaran wajib pajak baru dan pemadanan NIK sebagai Nomor Pokok "
                            "Wajib Pajak."
                        ),
                    },
                    {
                        "code": "asistensi-spt",
                        "name": "Asistensi Pelaporan SPT Tahunan",
                        "prefix": "X",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 20,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "Bukti potong PPh Pasal 21 dari pemberi kerja",
                            "Akun Coretax atau EFIN yang aktif",
                            "Daftar harta dan utang per 31 Desember",
                            "Daftar susunan anggota keluarga",
                        ],
                        "description": (
                            "Pendampingan pengisian dan penyampaian SPT Tahunan PPh orang pribadi "
                            "secara elektronik."
                        ),
                    },
                    {
                        "code": "aktivasi-coretax",
                        "name": "Aktivasi Akun Coretax dan Permohonan EFIN",
                        "prefix": "Y",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 30,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "KTP-el asli",
                            "NPWP atau NIK yang telah divalidasi",
                            "Alamat surel dan nomor telepon seluler yang aktif",
                        ],
                        "description": (
                            "Aktivasi akun wajib pajak di Coretax DJP dan penerbitan EFIN untuk "
                            "layanan perpajakan daring."
                        ),
                    },
                ],
            },
            {
                "code": "dpmptsp",
                "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kabupaten Badung",
                "short_name": "DPMPTSP",
                "services": [
                    {
                        "code": "nib-oss",
                        "name": "Pendampingan Penerbitan NIB melalui OSS RBA",
                        "prefix": "Z",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 20,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 25,
                        "requirements": [
                            "KTP-el dan NPWP (atau NIK yang telah divalidasi)",
                            "Alamat surel dan nomor telepon seluler yang aktif",
                            "Data usaha: alamat, bidang usaha (KBLI), modal, dan jumlah pekerja",
                            "Akta pendirian dan SK pengesahan Kemenkum bagi badan usaha",
                        ],
                        "description": (
                            "Pendampingan pendaftaran Nomor Induk Berusaha untuk pelaku usaha "
                            "melalui sistem OSS berbasis risiko."
                        ),
                    },
                    {
                        "code": "pbg",
                        "name": "Konsultasi dan Permohonan Persetujuan Bangunan Gedung (PBG)",
                        "prefix": "AA",
                        "fee": 0,
                        "fee_note": (
                            "Retribusi PBG sesuai Perda Kabupaten Badung, ditetapkan setelah "
                            "penilaian teknis"
                        ),
                        "duration_minutes": 30,
                        "slot_minutes": 60,
                        "slot_capacity": 3,
                        "walkin_daily_quota": 10,
                        "requirements": [
                            "Fotokopi KTP-el pemohon",
                            "Fotokopi sertipikat tanah atau bukti penguasaan tanah",
                            "Konfirmasi KKPR atau informasi tata ruang lokasi bangunan",
                            "Gambar rencana teknis arsitektur, struktur, dan utilitas",
                            "Akun SIMBG yang telah terdaftar",
                        ],
                        "description": (
                            "Konsultasi dan pengajuan Persetujuan Bangunan Gedung melalui SIMBG "
                            "untuk membangun, mengubah, atau merawat bangunan."
                        ),
                    },
                    {
                        "code": "sip-nakes",
                        "name": "Surat Izin Praktik Tenaga Kesehatan",
                        "prefix": "AB",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 15,
                        "requirements": [
                            "Fotokopi KTP-el",
                            "Fotokopi Surat Tanda Registrasi (STR)",
                            "Surat keterangan dari fasilitas pelayanan kesehatan tempat praktik",
                            "Pas foto berwarna ukuran 4x6",
                        ],
                        "description": (
                            "Penerbitan surat izin praktik bagi dokter, bidan, perawat, dan tenaga "
                            "kesehatan lain yang berpraktik di Kabupaten Badung."
                        ),
                    },
                ],
            },
            {
                "code": "pengadilan-agama",
                "name": "Pengadilan Agama Badung",
                "short_name": "PA Badung",
                "services": [
                    {
                        "code": "pendaftaran-perkara",
                        "name": "Pendaftaran Perkara Gugatan dan Permohonan",
                        "prefix": "AC",
                        "fee": 0,
                        "fee_note": (
                            "Panjar biaya perkara sesuai taksiran radius, disetor ke rekening "
                            "pengadilan melalui bank"
                        ),
                        "duration_minutes": 30,
                        "slot_minutes": 60,
                        "slot_capacity": 3,
                        "walkin_daily_quota": 15,
                        "requirements": [
                            "Surat gugatan atau permohonan (dapat dibantu Posbakum)",
                            "Fotokopi KTP-el penggugat atau pemohon",
                            "Fotokopi buku nikah bermeterai untuk perkara perceraian",
                            "Fotokopi Kartu Keluarga",
                        ],
                        "description": (
                            "Pendaftaran perkara perceraian, isbat nikah, dispensasi kawin, dan "
                            "perkara lain melalui e-Court atau secara langsung."
                        ),
                    },
                    {
                        "code": "akta-cerai",
                        "name": "Pengambilan Akta Cerai dan Salinan Putusan",
                        "prefix": "AD",
                        "fee": 10000,
                        "fee_note": "PNBP akta cerai sesuai PP 5/2019 tentang PNBP Mahkamah Agung",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 5,
                        "walkin_daily_quota": 25,
                        "requirements": [
                            "Nomor perkara atau salinan putusan",
                            "KTP-el asli pihak yang bersangkutan",
                            "Surat kuasa bermeterai bila diwakilkan",
                        ],
                        "description": (
                            "Pengambilan akta cerai dan salinan putusan bagi perkara yang telah "
                            "berkekuatan hukum tetap."
                        ),
                    },
                    {
                        "code": "posbakum",
                        "name": "Pos Bantuan Hukum (Posbakum)",
                        "prefix": "AE",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 30,
                        "slot_minutes": 60,
                        "slot_capacity": 3,
                        "walkin_daily_quota": 10,
                        "requirements": [
                            "KTP-el asli",
                            "Surat keterangan tidak mampu bila mengajukan perkara tanpa biaya",
                            "Dokumen yang berkaitan dengan perkara",
                        ],
                        "description": (
                            "Konsultasi hukum dan bantuan pembuatan surat gugatan atau permohonan "
                            "secara cuma-cuma."
                        ),
                    },
                ],
            },
            {
                "code": "kemenag",
                "name": "Kantor Kementerian Agama Kabupaten Badung",
                "short_name": "Kemenag Badung",
                "services": [
                    {
                        "code": "pendaftaran-haji",
                        "name": "Pendaftaran Haji Reguler",
                        "prefix": "AF",
                        "fee": 0,
                        "fee_note": (
                            "Setoran awal BPIH Rp25.000.000 disetor ke bank penerima setoran, "
                            "bukan di loket"
                        ),
                        "duration_minutes": 20,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 15,
                        "requirements": [
                            "KTP-el dan Kartu Keluarga asli",
                            "Akta kelahiran, ijazah, atau buku nikah",
                            "Bukti setoran awal BPIH dari bank penerima setoran (BPS-BPIH)",
                            "Pas foto berwarna ukuran 3x4 dan 4x6 latar belakang putih",
                        ],
                        "description": (
                            "Pendaftaran calon jemaah haji reguler, perekaman sidik jari, dan "
                            "penerbitan nomor porsi."
                        ),
                    },
                    {
                        "code": "informasi-nikah",
                        "name": "Konsultasi dan Pendaftaran Nikah",
                        "prefix": "AG",
                        "fee": 0,
                        "fee_note": (
                            "Gratis bila di KUA pada jam kerja; Rp600.000 bila di luar KUA atau "
                            "jam kerja (PP 48/2014 jo. PP 19/2015)"
                        ),
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 15,
                        "requirements": [
                            "Surat pengantar nikah dari desa atau kelurahan",
                            "Fotokopi KTP-el, Kartu Keluarga, dan akta kelahiran calon pengantin",
                            "Pas foto berwarna ukuran 2x3 dan 4x6 latar belakang biru",
                            "Surat izin orang tua bagi calon pengantin di bawah 21 tahun",
                            "Akta cerai atau akta kematian pasangan bagi duda atau janda",
                        ],
                        "description": (
                            "Konsultasi persyaratan dan pendaftaran kehendak nikah bagi pasangan "
                            "beragama Islam untuk diteruskan ke KUA kecamatan."
                        ),
                    },
                ],
            },
            {
                "code": "pdam",
                "name": "Perumda Air Minum Tirta Mangutama Kabupaten Badung",
                "short_name": "Tirta Mangutama",
                "services": [
                    {
                        "code": "sambungan-baru",
                        "name": "Permohonan Sambungan Air Baru",
                        "prefix": "AH",
                        "fee": 0,
                        "fee_note": (
                            "Biaya sambungan dihitung setelah survei lokasi sesuai tarif Perumda"
                        ),
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "Fotokopi KTP-el pemohon",
                            "Fotokopi Kartu Keluarga",
                            "Fotokopi bukti kepemilikan atau perjanjian sewa bangunan",
                            "Denah lokasi bangunan",
                        ],
                        "description": (
                            "Pendaftaran pemasangan sambungan air minum baru untuk rumah tangga "
                            "dan usaha."
                        ),
                    },
                    {
                        "code": "layanan-pelanggan",
                        "name": "Pengaduan Pelanggan dan Balik Nama Sambungan",
                        "prefix": "AJ",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 5,
                        "walkin_daily_quota": 30,
                        "requirements": [
                            "Nomor sambungan pelanggan",
                            "Rekening air bulan terakhir",
                            "Fotokopi KTP-el pemohon",
                            "Bukti kepemilikan bangunan atas nama baru untuk balik nama",
                        ],
                        "description": (
                            "Penanganan keluhan tagihan dan gangguan air serta perubahan nama "
                            "pelanggan."
                        ),
                    },
                ],
            },
            {
                "code": "bank-bpd",
                "name": "PT Bank Pembangunan Daerah Bali",
                "short_name": "Bank BPD Bali",
                "services": [
                    {
                        "code": "rekening-tabungan",
                        "name": "Pembukaan Rekening Tabungan",
                        "prefix": "AK",
                        "fee": 0,
                        "fee_note": "Setoran awal masuk ke saldo tabungan nasabah",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 4,
                        "walkin_daily_quota": 25,
                        "requirements": [
                            "KTP-el asli",
                            "NPWP bila ada",
                            "Nomor telepon seluler yang aktif",
                            "Setoran awal sesuai jenis tabungan",
                        ],
                        "description": (
                            "Pembukaan rekening tabungan perorangan, termasuk untuk penerimaan "
                            "bantuan sosial dan pembayaran pajak daerah."
                        ),
                    },
                ],
            },
        ],
    },
    {
        "code": "mpp-sidoarjo",
        "name": "Mal Pelayanan Publik Kabupaten Sidoarjo",
        "region_code": "35.15",
        "region_name": "Kabupaten Sidoarjo",
        "province_code": "35",
        "province_name": "Jawa Timur",
        "province_account": "pemprov-jatim",
        "regency_account": "pemkab-sidoarjo",
        "timezone": "Asia/Jakarta",
        "address": (
            "Jl. Jaksa Agung Suprapto, Kecamatan Sidoarjo, Kabupaten Sidoarjo, Jawa Timur 61218"
        ),
        "phone": "(031) 8921 500",
        "opening_hours": {
            0: ("08:00", "15:00", "12:00", "13:00"),
            1: ("08:00", "15:00", "12:00", "13:00"),
            2: ("08:00", "15:00", "12:00", "13:00"),
            3: ("08:00", "15:00", "12:00", "13:00"),
            4: ("08:00", "14:00", "11:30", "13:00"),
        },
        "daily_cutoff": "13:00",
        "regional_closures": [],
        "running_text": (
            "Selamat datang di Mal Pelayanan Publik Kabupaten Sidoarjo. Layanan tanpa pungutan "
            "kecuali biaya resmi yang diumumkan. Nomor antrean Anda adalah pakta integritas: "
            "tolak pungli dan jangan memberi gratifikasi. Pengaduan: SP4N-LAPOR! di lapor.go.id."
        ),
        "counters": [
            {"number": 1, "agency": "disdukcapil-sda"},
            {"number": 2, "agency": "disdukcapil-sda", "services": ["ktp-el"]},
            {"number": 3, "agency": "imigrasi-sda"},
            {"number": 4, "agency": "samsat-sda"},
            {"number": 5, "agency": "bpjs-kesehatan-sda"},
            {"number": 6, "agency": "polresta-sda"},
            {"number": 7, "agency": "kpp-sda"},
            {"number": 8, "agency": "bpn-sda"},
        ],
        "agencies": [
            {
                "code": "disdukcapil-sda",
                "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sidoarjo",
                "short_name": "Disdukcapil",
                "services": [
                    {
                        "code": "ktp-el",
                        "name": "Perekaman dan Pencetakan KTP-el",
                        "prefix": "A",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 10,
                        "walkin_daily_quota": 80,
                        "requirements": [
                            "Fotokopi Kartu Keluarga (KK)",
                            "Berusia 17 tahun, sudah kawin, atau pernah kawin",
                            "KTP-el lama bagi penggantian karena rusak atau perubahan data",
                            "Surat keterangan kehilangan dari kepolisian bila KTP-el hilang",
                        ],
                        "description": (
                            "Perekaman data biometrik dan pencetakan KTP-el baru, rusak, hilang, "
                            "atau karena perubahan data."
                        ),
                    },
                    {
                        "code": "kartu-keluarga",
                        "name": "Penerbitan Kartu Keluarga",
                        "prefix": "B",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 8,
                        "walkin_daily_quota": 60,
                        "requirements": [
                            "Kartu Keluarga lama",
                            "Fotokopi buku nikah/akta perkawinan atau akta perceraian",
                            "Surat keterangan pindah bagi penduduk yang pindah datang",
                            "Formulir biodata keluarga yang telah diisi dan ditandatangani",
                        ],
                        "description": (
                            "Penerbitan Kartu Keluarga baru serta perubahan susunan dan data "
                            "anggota keluarga."
                        ),
                    },
                    {
                        "code": "akta-kelahiran",
                        "name": "Penerbitan Akta Kelahiran",
                        "prefix": "C",
                        "fee": 0,
                        "fee_note": "Gratis sesuai UU 24/2013 Pasal 79A",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "Surat keterangan lahir dari rumah sakit, puskesmas, atau bidan",
                            "Kartu Keluarga tempat anak akan didaftarkan",
                            "Fotokopi buku nikah atau akta perkawinan orang tua",
                            "KTP-el orang tua",
                        ],
                        "description": (
                            "Pencatatan kelahiran dan penerbitan kutipan akta kelahiran bagi "
                            "penduduk Kabupaten Sidoarjo."
                        ),
                    },
                ],
            },
            {
                "code": "imigrasi-sda",
                "name": "Kantor Imigrasi Kelas I Khusus TPI Surabaya",
                "short_name": "Imigrasi Surabaya",
                "services": [
                    {
                        "code": "paspor-baru",
                        "name": "Permohonan Paspor Elektronik Baru (Masa Berlaku 10 Tahun)",
                        "prefix": "D",
                        "fee": 950000,
                        "fee_note": "PNBP sesuai PP 45/2024; paspor elektronik 5 tahun Rp650.000",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 12,
                        "walkin_daily_quota": 20,
                        "requirements": [
                            "KTP-el asli",
                            "Kartu Keluarga asli",
                            "Akta kelahiran, ijazah, atau buku nikah yang memuat tanggal lahir",
                            "Bukti jadwal kedatangan dari aplikasi M-Paspor",
                            "Bukti pembayaran PNBP melalui kode billing",
                        ],
                        "description": (
                            "Pengambilan foto, sidik jari, dan wawancara untuk penerbitan paspor "
                            "elektronik baru bagi WNI dewasa."
                        ),
                    },
                ],
            },
            {
                "code": "samsat-sda",
                "name": "Samsat Sidoarjo (UPT PPD Sidoarjo, Bapenda Provinsi Jawa Timur)",
                "short_name": "Samsat Sidoarjo",
                "services": [
                    {
                        "code": "pkb-tahunan",
                        "name": "Pembayaran Pajak Kendaraan Tahunan dan Pengesahan STNK",
                        "prefix": "E",
                        "fee": 0,
                        "fee_note": "Bayar PKB dan SWDKLLJ sesuai notice pajak kendaraan",
                        "duration_minutes": 10,
                        "slot_minutes": 30,
                        "slot_capacity": 10,
                        "walkin_daily_quota": 80,
                        "requirements": [
                            "STNK asli",
                            "KTP-el asli atas nama pemilik sesuai STNK",
                            "Surat kuasa bermeterai dan KTP-el penerima kuasa bila diwakilkan",
                        ],
                        "description": (
                            "Pembayaran Pajak Kendaraan Bermotor dan SWDKLLJ tahunan serta "
                            "pengesahan STNK."
                        ),
                    },
                ],
            },
            {
                "code": "bpjs-kesehatan-sda",
                "name": "BPJS Kesehatan Kantor Cabang Sidoarjo",
                "short_name": "BPJS Kesehatan",
                "services": [
                    {
                        "code": "jkn-pendaftaran",
                        "name": "Pendaftaran Peserta JKN Mandiri (PBPU)",
                        "prefix": "F",
                        "fee": 0,
                        "fee_note": "Gratis; iuran bulanan dibayar sesuai kelas yang dipilih",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "KTP-el dan Kartu Keluarga seluruh anggota keluarga",
                            "Nomor telepon seluler dan alamat surel yang aktif",
                            "Buku tabungan atau rekening untuk pendebetan iuran otomatis",
                            "Pilihan fasilitas kesehatan tingkat pertama (FKTP)",
                        ],
                        "description": (
                            "Pendaftaran peserta Jaminan Kesehatan Nasional segmen pekerja bukan "
                            "penerima upah beserta anggota keluarganya."
                        ),
                    },
                    {
                        "code": "jkn-perubahan-data",
                        "name": "Perubahan Data Peserta dan Pindah Faskes JKN",
                        "prefix": "G",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "Kartu JKN atau nomor peserta",
                            "KTP-el dan Kartu Keluarga terbaru",
                            "Dokumen pendukung perubahan seperti akta kelahiran atau buku nikah",
                        ],
                        "description": (
                            "Perbaikan data peserta, penambahan anggota keluarga, dan perpindahan "
                            "fasilitas kesehatan tingkat pertama."
                        ),
                    },
                ],
            },
            {
                "code": "polresta-sda",
                "name": "Kepolisian Resor Kota Sidoarjo",
                "short_name": "Polresta Sidoarjo",
                "services": [
                    {
                        "code": "skck",
                        "name": "Penerbitan Surat Keterangan Catatan Kepolisian (SKCK)",
                        "prefix": "H",
                        "fee": 30000,
                        "fee_note": "PNBP sesuai PP 76/2020",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 12,
                        "walkin_daily_quota": 70,
                        "requirements": [
                            "Fotokopi KTP-el",
                            "Fotokopi Kartu Keluarga",
                            "Fotokopi akta kelahiran atau ijazah terakhir",
                            "Pas foto berwarna ukuran 4x6 latar belakang merah sebanyak 6 lembar",
                            "Kartu sidik jari (dapat dibuat di loket)",
                        ],
                        "description": (
                            "Penerbitan SKCK baru atau perpanjangan untuk keperluan melamar kerja, "
                            "sekolah, dan keperluan administrasi lainnya."
                        ),
                    },
                ],
            },
            {
                "code": "kpp-sda",
                "name": "Kantor Pelayanan Pajak Pratama Sidoarjo Utara",
                "short_name": "KPP Sidoarjo Utara",
                "services": [
                    {
                        "code": "npwp",
                        "name": "Pendaftaran NPWP dan Validasi NIK sebagai NPWP",
                        "prefix": "J",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 10,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "KTP-el asli",
                            "Alamat surel dan nomor telepon seluler yang aktif",
                            "Surat keterangan usaha bagi orang pribadi yang berusaha",
                            "Akta pendirian dan NIB bagi wajib pajak badan",
                        ],
                        "description": (
                            "Pendaftaran wajib pajak baru dan pemadanan NIK sebagai Nomor Pokok "
                            "Wajib Pajak."
                        ),
                    },
                    {
                        "code": "asistensi-spt",
                        "name": "Asistensi Pelaporan SPT Tahunan",
                        "prefix": "K",
                        "fee": 0,
                        "fee_note": "",
                        "duration_minutes": 20,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 40,
                        "requirements": [
                            "Bukti potong PPh Pasal 21 dari pemberi kerja",
                            "Akun Coretax atau EFIN yang aktif",
                            "Daftar harta dan utang per 31 Desember",
                            "Daftar susunan anggota keluarga",
                        ],
                        "description": (
                            "Pendampingan pengisian dan penyampaian SPT Tahunan PPh orang pribadi "
                            "secara elektronik."
                        ),
                    },
                ],
            },
            {
                "code": "bpn-sda",
                "name": "Kantor Pertanahan Kabupaten Sidoarjo",
                "short_name": "BPN Sidoarjo",
                "services": [
                    {
                        "code": "pengecekan-sertipikat",
                        "name": "Pengecekan Sertipikat Hak atas Tanah",
                        "prefix": "L",
                        "fee": 50000,
                        "fee_note": "PNBP per sertipikat sesuai PP 128/2015",
                        "duration_minutes": 15,
                        "slot_minutes": 60,
                        "slot_capacity": 6,
                        "walkin_daily_quota": 30,
                        "requirements": [
                            "Sertipikat hak atas tanah asli",
                            "Fotokopi KTP-el pemohon atau pemegang hak",
                            "Surat kuasa bermeterai bila dikuasakan",
                            "Formulir permohonan yang telah diisi",
                        ],
                        "description": (
                            "Pencocokan data sertipikat dengan buku tanah di Kantor Pertanahan "
                            "sebelum jual beli atau pembebanan hak tanggungan."
                        ),
                    },
                ],
            },
        ],
    },
]
