/*
 * Recorded WebAuthn responses for webauthn_test.c, as base64url.
 *
 * chromium_*: recorded by tests/webauthn/record.mjs from Chromium 156.0.8078.114's
 * virtual authenticator (CTAP 2.1, resident key, user verification) on
 * http://localhost:34359, RP ID "localhost": one registration (attestation "none") and two
 * sign-ins per algorithm; the whole recording is tests/webauthn/chromium-156.json.
 *
 * pyw_*: from duo-labs/py_webauthn's tests (github.com/duo-labs/py_webauthn,
 * tests/test_verify_registration_response.py and
 * tests/test_verify_authentication_response.py at b4bf63f), recorded by its
 * authors from real authenticators at http://localhost:5000, RP ID
 * "localhost".
 */
#ifndef GH_WEBAUTHN_VECTORS_TEST_H
#define GH_WEBAUTHN_VECTORS_TEST_H

#define CHROMIUM_ORIGIN "http://localhost:34359"

/* One recorded credential: its registration and two assertions. */
struct vec_assertion {
    const char *challenge, *auth_data, *cdj, *sig;
};
struct vec_cred {
    int alg;
    const char *challenge, *id, *att_obj, *cdj;
    struct vec_assertion get[2];
};

static const struct vec_cred chromium[] = {
    {-7,
     "sfT-qHVqmsUw_C_FeUivdjcPpchWEOtIOgo0yG48cvQ",
     "zek6azYAKauejOyMzaAo6_gVsbqCxh9amzy0r_KKeUc",
     "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikSZYN5YgOjGh0NBcPZHZgW4_"
     "krrmihjLHmVzzuoMdl2NFAAAAAQECAwQFBgcIAQIDBAUGBwgAIM3pOms2ACmrnozsjM2gKOv4FbG6gsYfWps8tK_"
     "yinlHpQECAyYgASFYIKDEnNTWyT0qrj7d8KC0X4wNxv7-uojI_"
     "diQxY0mAdNZIlgg0UQeUel2wJNGSg3ONL8g4kvENEtnSHioBd7HHTbDcvw",
     "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoic2ZULXFIVnFtc1V3X0NfRmVVaXZkamNQcGNoV0VPd"
     "ElPZ28weUc0OGN2USIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
     {
         {"hxgUn_x9_m66SgF2GjWKcB-JsCs0Vhk8Bh58H6xVxm0",
          "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg",
          "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiaHhnVW5feDlfbTY2U2dGMkdqV0tjQi1Kc0NzMFZo"
          "azhCaDU4SDZ4VnhtMCIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFs"
          "c2V9",
          "MEQCIBJXooPRlpeBshYnTTBAExM4g7s-qz9Q6sEOlfH0R0jdAiBhxJfvG4_WTDT8HBG-"
          "p9bfZXCarBeUSjqZmKgBsFXJbA"},
         {"smAQi5XyOX35EAwDaU4Py4clpn3ED5-_g_fUpWSCaOk",
          "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAw",
          "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoic21BUWk1WHlPWDM1RUF3RGFVNFB5NGNscG4zRUQ1"
          "LV9nX2ZVcFdTQ2FPayIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFs"
          "c2UsIm90aGVyX2tleXNfY2FuX2JlX2FkZGVkX2hlcmUiOiJkbyBub3QgY29tcGFyZSBjbGllbnREYXRhSlNPTiBh"
          "Z2FpbnN0IGEgdGVtcGxhdGUuIFNlZSBodHRwczovL2dvby5nbC95YWJQZXgifQ",
          "MEUCIQCWYqjPrhD_WfE-jqaiqKkunAeIeOKWLuNgdQR1KSxYBAIgKu7ikufAbYlLhmgHXNZ2_"
          "tarLVvPD92Ew2MzfgSFdB8"},
     }},
    {-8,
     "9tPwrDlkhTnnkouNDCoQyNaAmj0aT0aJrpk2aFxsJDA",
     "iFsxNPA9TruO9o2pN9N0_OAlVJvv-dmO0CB8lO6KXV4",
     "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YViBSZYN5YgOjGh0NBcPZHZgW4_"
     "krrmihjLHmVzzuoMdl2NFAAAAAQECAwQFBgcIAQIDBAUGBwgAIIhbMTTwPU67jvaNqTfTdPzgJVSb7_"
     "nZjtAgfJTuil1epAEBAycgBiFYIL8nwGQv8c9k5ShHmUotuEFm_OurDFIb8AD1_7yuK9IQ",
     "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiOXRQd3JEbGtoVG5ua291TkRDb1F5TmFBbWowYVQwY"
     "UpycGsyYUZ4c0pEQSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
     {
         {"JO6EHHK0aBOCV7nuGgwApvds6fX4acr0y_L1aTQit-I",
          "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg",
          "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiSk82RUhISzBhQk9DVjdudUdnd0FwdmRzNmZYNGFj"
          "cjB5X0wxYVRRaXQtSSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFs"
          "c2UsIm90aGVyX2tleXNfY2FuX2JlX2FkZGVkX2hlcmUiOiJkbyBub3QgY29tcGFyZSBjbGllbnREYXRhSlNPTiBh"
          "Z2FpbnN0IGEgdGVtcGxhdGUuIFNlZSBodHRwczovL2dvby5nbC95YWJQZXgifQ",
          "dDD2KG7-BW2yy_-KkV_eW9cpnFjadYc1hpA4aGU3qH06CAbcuJAo3jSHGGxjSpAfrWeQPCcPHxwnyPhfReW9DA"},
         {"jrveqqZ8hT-pRUj28iarCWdScIrU1hDkPKzY6SuiGTI",
          "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAw",
          "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoianJ2ZXFxWjhoVC1wUlVqMjhpYXJDV2RTY0lyVTFo"
          "RGtQS3pZNlN1aUdUSSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFs"
          "c2V9",
          "P-d2nzaAV37JIoHTIDsFlhc1WdZEz7wA1Q4ioYY37cGqLlJ4cgPbMCzf_NcddmjN1xkHqnZaYib0jH28oT2sAA"},
     }},
    {-257,
     "9VHrle4gScRDRAxmeB9YBPkbu36Ui4ZNr0EZdEGxph0",
     "sjzYFYx8Q8bKMKvI7mf--k-S1rBk_5IXwB9X7W6iEds",
     "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVkBZ0mWDeWIDoxodDQXD2R2YFuP5K65ooYyx5lc87qDHZdjRQAAAAEBA"
     "gMEBQYHCAECAwQFBgcIACCyPNgVjHxDxsowq8juZ_76T5LWsGT_khfAH1ftbqIR26QBAwM5AQAgWQEAwdFaos_"
     "CNoWGnaJJQxuonMjkEd_pbzA1C4_nlZgh3ijPsCOxQ4YgM4cwSiKeji_Vu-0LlZ4adaH6y9jASAewQhe-"
     "FQMpCa1K7fCip7-"
     "sNTYuGdpFDZlw2HKrZESwRj1yBe3fV3feJeh0VBQxVg4wQYDc6DnoWajltOXJlvAptfdX9ea21S9KRWt60Iz5suhRhj4E"
     "SYA1GUKO81gs4ySaUWsZn3z7KBoy17kH9Eui5cfUnUvTUJe9zsbNn3eSuO8BA94kzOhue-"
     "dOZ1jCWgoDAcH4kptQxcUk8_33q9WEUOkeTGnYB5JFFU3RcvG6TyhkNJgzTEMW7ZfOmHYaCutLOSFDAQAB",
     "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiOVZIcmxlNGdTY1JEUkF4bWVCOVlCUGtidTM2VWk0W"
     "k5yMEVaZEVHeHBoMCIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
     {
         {"KkFznXRaVc3FBVH25ljVwBv-lGiPrU2pN4nP0HXv_0s",
          "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg",
          "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiS2tGem5YUmFWYzNGQlZIMjVsalZ3QnYtbEdpUHJV"
          "MnBONG5QMEhYdl8wcyIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFs"
          "c2V9",
          "bZUuSDDyKaYpW-qvKagwChb6s45_q8A8diMRYgwm-Le5x3bu5tQhCUvtRt2hboK4VCM8ab3G8ynv-"
          "HPk2W7Dorn10ZYZN_Wrx0r_4FSQoUlKdu91U7ZtuXursaSij3pOEgo6K0wehlfXCZYP_SfplNx5vu233G6nv6-"
          "x439r9-Tfldo4vRfFYmtAeMqtlw1vBdg2fgXj82cV4ggKrDc5UyK64zHjMZDeg-"
          "3CKGDDtJYcbAp7o361PbJCbuOMk3HJAsWdbyspW68zAAs_"
          "jXmoGas1mwv4CoYVbSZVESVAiAX6gQPkaEfUntUeNI1qDRSB06XH3hL6pTkc-UF7jCTr6g"},
         {"Yzi03KUmLrerefkEUJIPSqEyJfr9pKvamQ-a3ouLo3o",
          "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAw",
          "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiWXppMDNLVW1McmVyZWZrRVVKSVBTcUV5SmZyOXBL"
          "dmFtUS1hM291TG8zbyIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzQzNTkiLCJjcm9zc09yaWdpbiI6ZmFs"
          "c2V9",
          "BlMtLVG0AZq5pfiMG-AcL6cH4L4KRmMl9ZWez6dt7JrQXyg9nZ_KBhbsvYcRMYtB5XIV4_"
          "uhmVAPQHgdkWiOcspyN3q5saGskA6w9FNhqJpPp9Az8DTk4UTomg10_"
          "HGkv05qYnNedOAw7Ixu1ycCIELshjdNAH0rKEziZOsXplLfizrKm28sM4EKf1uNp1PA91SIeHtiFU0Zj8v2Ymht2"
          "_BFwAkSlvi32sF_MyzLH_3Og4R0DnCDOhgw39Gz1pN72OWi_8FWZ9_Jh8d8dP-wbwjHhs1aCt5u17ito42o_"
          "1iIirkfjN2QnyYoflOfcreB3qb_2I0WPgkg-6Rx8mhg6g"},
     }},
};

/* py_webauthn tests/test_verify_registration_response.py
 * test_verifies_none_attestation_response: "none", ES256, UP and UV, count 23 */
static const char pyw_none_challenge[] =
    "TwN7n4WTyGKLc4ZY-qGsFqKnHM4nglqsyV0ICJlN2TO9XiRyFtrkaDwUvsql-gkLJXP6fnF1MlrZ53Mm4R7Cvw";
static const char pyw_none_id[] =
    "9y1xA8Tmg1FEmT-c7_fvWZ_uoTuoih3OvR45_oAK-cwHWhAbXrl2q62iLVTjiyEZ7O7n-CROOY494k7Q3xrs_w";
static const char pyw_none_att[] =
    "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjESZYN5YgOjGh0NBcPZHZgW4_"
    "krrmihjLHmVzzuoMdl2NFAAAAFwAAAAAAAAAAAAAAAAAAAAAAQPctcQPE5oNRRJk_nO_"
    "371mf7qE7qIodzr0eOf6ACvnMB1oQG165dqutoi1U44shGezu5_gkTjmOPeJO0N8a7P-lAQIDJiABIVggSFbUJF-"
    "42Ug3pdM8rDRFu_N5oiVEysPDB6n66r_7dZAiWCDUVnB39FlGypL-qAoIO9xWHtJygo2jfDmHl-_eKFRLDA";
static const char pyw_none_cdj[] =
    "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiVHdON240V1R5R0tMYzRaWS1xR3NGcUtuSE00bmdscX"
    "N5VjBJQ0psTjJUTzlYaVJ5RnRya2FEd1V2c3FsLWdrTEpYUDZmbkYxTWxyWjUzTW00UjdDdnciLCJvcmlnaW4iOiJodHRw"
    "Oi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
static const char pyw_none_key[] = "pQECAyYgASFYIEhW1CRfuNlIN6XTPKw0RbvzeaIlRMrDwwep-uq_-"
                                   "3WQIlgg1FZwd_RZRsqS_qgKCDvcVh7ScoKNo3w5h5fv3ihUSww";
/* ... test_raises_when_root_cert_invalid_for_response: "packed" with an x5c
 * chain (a YubiKey), ES256, UP and UV; its challenge from its clientDataJSON */
static const char pyw_packed_challenge[] =
    "8LBCiOY3q1cBZHFAWtS4AZZChzGphy67lK7I70zKi4yC7pgrQ2Pch7nAjLk1wq9greshIAsW2AjibhXjjI0TmQ";
static const char pyw_packed_att[] =
    "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEcwRQIhAOfrFlQpbavT6dJeTDJSCDzYSYPjBDHli2-"
    "syT2c1IiKAiAx5gQ2z5cHjdQX-"
    "jEHTb7JcjfQoVSW8fXszF5ihSgeOGN4NWOBWQLBMIICvTCCAaWgAwIBAgIEKudiYzANBgkqhkiG9w0BAQsFADAuMSwwKgY"
    "DVQQDEyNZdWJpY28gVTJGIFJvb3QgQ0EgU2VyaWFsIDQ1NzIwMDYzMTAgFw0xNDA4MDEwMDAwMDBaGA8yMDUwMDkwNDAwM"
    "DAwMFowbjELMAkGA1UEBhMCU0UxEjAQBgNVBAoMCVl1YmljbyBBQjEiMCAGA1UECwwZQXV0aGVudGljYXRvciBBdHRlc3R"
    "hdGlvbjEnMCUGA1UEAwweWXViaWNvIFUyRiBFRSBTZXJpYWwgNzE5ODA3MDc1MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQ"
    "gAEKgOGXmBD2Z4R_xCqJVRXhL8Jr45rHjsyFykhb1USGozZENOZ3cdovf5Ke8fj2rxi5tJGn_VnW4_"
    "6iQzKdIaeP6NsMGowIgYJKwYBBAGCxAoCBBUxLjMuNi4xLjQuMS40MTQ4Mi4xLjEwEwYLKwYBBAGC5RwCAQEEBAMCBDAwI"
    "QYLKwYBBAGC5RwBAQQEEgQQbUS6m_"
    "bsLkm5MAyP6SDLczAMBgNVHRMBAf8EAjAAMA0GCSqGSIb3DQEBCwUAA4IBAQByV9A83MPhFWmEkNb4DvlbUwcjc9nmRzJj"
    "KxHc3HeK7GvVkm0H4XucVDB4jeMvTke0WHb_jFUiApvpOHh5VyMx5ydwFoKKcRs5x0_WwSWL0eTZ5WbVcHkDR9pSNcA_D_"
    "5AsUKOBcbpF5nkdVRxaQHuuIuwV4k1iK2IqtMNcU8vL6w21U261xCcWwJ6sMq4zzVO8QCKCQhsoIaWrwz828GDmPzfAjFs"
    "JiLJXuYivdHACkeJ5KHMt0mjVLpfJ2BCML7_rgbmvwL7wBW80VHfNdcKmKjkLcpEiPzwcQQhiN_qHV90t-"
    "p4iyr5xRSpurlP5zic2hlRkLKxMH2_kRjhqSn4aGF1dGhEYXRhWMRJlg3liA6MaHQ0Fw9kdmBbj-"
    "SuuaKGMseZXPO6gx2XY0UAAAA0bUS6m_bsLkm5MAyP6SDLcwBAsyGQPDZRUYdb4m3rdWeyPaIMYlbmydGp1TP_33vE_"
    "lqJ3PHNyTd0iKsnKr5WjnCcBzcesZrDEfB_RBLFzU3k46UBAgMmIAEhWCBAX_i3O3DvBnkGq_uLNk_PeAX5WwO_"
    "MIxBp0mhX6Lw7yJYIOW-1-Fch829McWvRUYAHTWZTx5IycKSGECL1UzUaK_8";
static const char pyw_packed_cdj[] =
    "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiOExCQ2lPWTNxMWNCWkhGQVd0UzRBWlpDaHpHcGh5Nj"
    "dsSzdJNzB6S2k0eUM3cGdyUTJQY2g3bkFqTGsxd3E5Z3Jlc2hJQXNXMkFqaWJoWGpqSTBUbVEiLCJvcmlnaW4iOiJodHRw"
    "Oi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
/* py_webauthn tests/test_verify_authentication_response.py
 * test_verify_authentication_response_with_RSA_public_key: RS256 (2048 bits), UP and UV, count 0 ->
 * 1 */
static const char pyw_rsa_challenge[] =
    "iPmAi1Pp1XL6oAgq3PWZtZPnZa1zFUDoGbaQ0_KvVG1lF2s3Rt_3o4uSzccy0tmcTIpTTT4BU1T-I4maavndjQ";
static const char pyw_rsa_auth_data[] = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ";
static const char pyw_rsa_cdj[] =
    "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiaVBtQWkxUHAxWEw2b0FncTNQV1p0WlBuWmExekZVRG9HYm"
    "FRMF9LdlZHMWxGMnMzUnRfM280dVN6Y2N5MHRtY1RJcFRUVDRCVTFULUk0bWFhdm5kalEiLCJvcmlnaW4iOiJodHRwOi8v"
    "bG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
static const char pyw_rsa_sig[] =
    "iOHKX3erU5_OYP_r_9HLZ-CexCE4bQRrxM8WmuoKTDdhAnZSeTP0sjECjvjfeS8MJzN1ArmvV0H0C3yy_"
    "FdRFfcpUPZzdZ7bBcmPh1XPdxRwY747OrIzcTLTFQUPdn1U-izCZtP_"
    "78VGw9pCpdMsv4CUzZdJbEcRtQuRS03qUjqDaovoJhOqEBmxJn9Wu8tBi_Qx7A33RbYjlfyLm_"
    "EDqimzDZhyietyop6XUcpKarKqVH0M6mMrM5zTjp8xf3W7odFCadXEJg-ERZqFM0-"
    "9Uup6kJNLbr6C5J4NDYmSm3HCSA6lp2iEiMPKU8Ii7QZ61kybXLxsX4w4Dm3fOLjmDw";
static const char pyw_rsa_key[] =
    "pAEDAzkBACBZAQDfV20epzvQP-HtcdDpX-cGzdOxy73WQEvsU7Dnr9UWJophEfpngouvgnRLXaEUn_d8HGkp_"
    "HIx8rrpkx4BVs6X_B6ZjhLlezjIdJbLbVeb92BaEsmNn1HW2N9Xj2QM8cH-yx28_"
    "vCjf82ahQ9gyAr552Bn96G22n8jqFRQKdVpO-f-"
    "bvpvaP3IQ9F5LCX7CUaxptgbog1SFO6FI6ob5SlVVB00lVXsaYg8cIDZxCkkENkGiFPgwEaZ7995SCbiyCpUJbMqToLMgo"
    "jPkAhWeyktu7TlK6UBWdJMHc3FPAIs0lH_2_2hKS-mGI1uZAFVAfW1X-mzKL0czUm2P1UlUox7IUMBAAE";
/* py_webauthn tests/test_verify_authentication_response.py
 * test_verify_authentication_response_with_EC2_public_key: ES256, UP without UV, count 77 -> 78 */
static const char pyw_ec2_challenge[] =
    "xi30GPGAFYRxVDpY1sM10DaLzVQG66nv-_7RUazH0vI2YvG8LYgDEnvN5fZZNVuvEDuMi9te3VLqb42N0fkLGA";
static const char pyw_ec2_auth_data[] = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MBAAAATg";
static const char pyw_ec2_cdj[] =
    "eyJjaGFsbGVuZ2UiOiJ4aTMwR1BHQUZZUnhWRHBZMXNNMTBEYUx6VlFHNjZudi1fN1JVYXpIMHZJMll2RzhMWWdERW52Tj"
    "VmWlpOVnV2RUR1TWk5dGUzVkxxYjQyTjBma0xHQSIsImNsaWVudEV4dGVuc2lvbnMiOnt9LCJoYXNoQWxnb3JpdGhtIjoi"
    "U0hBLTI1NiIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6NTAwMCIsInR5cGUiOiJ3ZWJhdXRobi5nZXQifQ";
static const char pyw_ec2_sig[] = "MEUCIGisVZOBapCWbnJJvjelIzwpixxIwkjCCb5aCHafQu68AiEA88v-"
                                  "2pJNNApPFwAKFiNuf82-2hBxYW5kGwVweeoxCwo";
static const char pyw_ec2_key[] =
    "pQECAyYgASFYIIeDTe-gN8A-zQclHoRnGFWN8ehM1b7yAsa8I8KIvmplIlgg4nFGT5px8o6gpPZZhO01wdy9crDSA_"
    "Ngtkx0vGpvPHI";
/* py_webauthn tests/test_verify_authentication_response.py
 * test_verify_authentication_response_with_OKP_public_key: EdDSA, UP without UV, count 3 -> 7 */
static const char pyw_okp_challenge[] =
    "eZ4eeA3O4jy5FIzqDaSJ6JDNGu0bBc5zI1DjQ_kLso1WNqkG6k5mCYf1dtQhVUiBWZWlZkzR5MFeeWCpJRUNXw";
static const char pyw_okp_auth_data[] = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MBAAAABw";
static const char pyw_okp_cdj[] =
    "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiZVo0ZWVBM080ank1Rkl6cURhU0o2SkROR3UwYkJjNXpJMU"
    "RqUV9rTHNvMVdOcWtHNms1bUNZZjFkdFFoVlVpQldaV2xaa3pSNU1GZWVXQ3BKUlVOWHciLCJvcmlnaW4iOiJodHRwOi8v"
    "bG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
static const char pyw_okp_sig[] =
    "RRWV8mYDRvK7YdQgdtZD4pJ2dh1D_IWZ_D6jsZo6FHJBoenbj0CVT5nA20vUzlRhN4R6dOEUHmUwP1F8eRBhBg";
static const char pyw_okp_key[] = "pAEBAycgBiFYIMz6_SUFLiDid2Yhlq0YboyJ-CDrIrNpkPUGmJp4D3Dp";

#endif
