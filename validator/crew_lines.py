"""What the driver and the conductor read on the console, in en, ru and kk:
shift refusals, sale refusals, printer faults and the inspection at the
reader. Keys are the enum values of ``RefusalReason``, ``SaleProblem`` and
``PrintFault`` (plus "ok" and "partial" for printing, and the inspection's
own keys); ``{left}``, ``{until}``, ``{max}`` and ``{seconds}`` are filled in.
One place for translators. Passenger lines live in validator/messages.py.
"""

from __future__ import annotations

__all__ = ["INSPECTION_LINES", "PRINT_LINES", "SALE_REFUSALS", "SHIFT_REFUSALS"]

SHIFT_REFUSALS: dict[str, dict[str, str]] = {
    "en": {
        "wrong_pin": "Wrong number or PIN: {left} tries left",
        "unknown_card": "This card is not on the crew list: {left} tries left",
        "locked": "Too many wrong PINs: try again at {until}",
        "already_open": "A shift is already open: close it first",
        "no_shift": "No shift is open: open a shift first",
        "no_route": "Choose the route and direction first",
        "bad_route": "Route or direction not valid: choose again",
        "trip_running": "A trip is running: end the trip first",
        "no_trip": "No trip is running",
    },
    "ru": {
        "wrong_pin": "Неверный номер или PIN-код: осталось попыток: {left}",
        "unknown_card": "Этой карты нет в списке экипажа: осталось попыток: {left}",
        "locked": "Слишком много неверных PIN-кодов: повторите в {until}",
        "already_open": "Смена уже открыта: сначала закройте её",
        "no_shift": "Смена не открыта: сначала откройте смену",
        "no_route": "Сначала выберите маршрут и направление",
        "bad_route": "Неверный маршрут или направление: выберите снова",
        "trip_running": "Рейс идёт: сначала завершите рейс",
        "no_trip": "Рейс не начат",
    },
    "kk": {
        "wrong_pin": "Нөмір немесе PIN-код қате: {left} әрекет қалды",
        "unknown_card": "Бұл карта экипаж тізімінде жоқ: {left} әрекет қалды",
        "locked": "PIN-код тым көп рет қате терілді: {until} кейін қайталаңыз",
        "already_open": "Ауысым ашық тұр: алдымен оны жабыңыз",
        "no_shift": "Ауысым ашылмаған: алдымен ауысымды ашыңыз",
        "no_route": "Алдымен маршрут пен бағытты таңдаңыз",
        "bad_route": "Маршрут не бағыт қате: қайта таңдаңыз",
        "trip_running": "Рейс жүріп жатыр: алдымен рейсті аяқтаңыз",
        "no_trip": "Рейс басталмаған",
    },
}


SALE_REFUSALS: dict[str, dict[str, str]] = {
    "en": {
        "no_shift": "Open a shift and choose the route before selling",
        "bad_count": "Number of passengers must be 1 to {max}",
        "no_fare": "No cash fare for this route in the fare table: call the depot",
        "bad_device": "This validator has no valid device id: call the depot",
        "unknown_ticket": "No such ticket in this shift",
        "already_printed": "This ticket is already printed",
        "printed_no_void": "A printed ticket cannot be voided: the passenger holds it",
        "voided": "This sale was voided",
    },
    "ru": {
        "no_shift": "Перед продажей откройте смену и выберите маршрут",
        "bad_count": "Число пассажиров: от 1 до {max}",
        "no_fare": "В тарифах нет цены за наличные для этого маршрута: позвоните в депо",
        "bad_device": "У валидатора нет номера устройства: позвоните в депо",
        "unknown_ticket": "Такого билета нет в этой смене",
        "already_printed": "Этот билет уже напечатан",
        "printed_no_void": "Напечатанный билет нельзя аннулировать: он у пассажира",
        "voided": "Эта продажа аннулирована",
    },
    "kk": {
        "no_shift": "Сатудан бұрын ауысымды ашып, маршрутты таңдаңыз",
        "bad_count": "Жолаушылар саны: 1-ден {max}-ға дейін",
        "no_fare": "Тарифте бұл маршрутқа қолма-қол баға жоқ: депоға хабарласыңыз",
        "bad_device": "Валидатордың құрылғы нөмірі жоқ: депоға хабарласыңыз",
        "unknown_ticket": "Бұл ауысымда мұндай билет жоқ",
        "already_printed": "Бұл билет басып шығарылған",
        "printed_no_void": "Басылған билетті жоюға болмайды: ол жолаушыда",
        "voided": "Бұл сатылым жойылған",
    },
}


PRINT_LINES: dict[str, dict[str, str]] = {
    "en": {
        "ok": "Ticket printed",
        "no_paper": "Printer out of paper: load a new roll, then press Reprint",
        "partial": "Paper ran out while printing: tear off the part ticket, "
        "load a new roll, then press Reprint",
        "cover_open": "Printer cover is open: close it firmly, then press Reprint",
        "not_connected": "Printer not connected: check its cable and power, then press Reprint",
        "not_ready": "Printer not ready (error light): switch it off and on, then press Reprint",
        "failed": "Printing failed: press Reprint; if it fails again, call the depot",
    },
    "ru": {
        "ok": "Билет напечатан",
        "no_paper": "В принтере нет бумаги: вставьте новый рулон и нажмите «Повторить печать»",
        "partial": "Бумага закончилась во время печати: оторвите неполный билет, "
        "вставьте новый рулон и нажмите «Повторить печать»",
        "cover_open": "Крышка принтера открыта: плотно закройте её и нажмите «Повторить печать»",
        "not_connected": "Принтер не подключён: проверьте кабель и питание, "
        "затем нажмите «Повторить печать»",
        "not_ready": "Принтер не готов (горит индикатор ошибки): выключите "
        "и включите его, затем нажмите «Повторить печать»",
        "failed": "Печать не удалась: нажмите «Повторить печать»; "
        "если снова не получится, позвоните в депо",
    },
    "kk": {
        "ok": "Билет басып шығарылды",
        "no_paper": "Принтерде қағаз жоқ: жаңа орам салып, «Қайта басу» түймесін басыңыз",
        "partial": "Басып шығару кезінде қағаз бітті: толық емес билетті жыртып алып, "
        "жаңа орам салыңыз да, «Қайта басу» түймесін басыңыз",
        "cover_open": "Принтердің қақпағы ашық: оны мықтап жауып, «Қайта басу» түймесін басыңыз",
        "not_connected": "Принтер қосылмаған: кабелі мен қуатын тексеріп, "
        "«Қайта басу» түймесін басыңыз",
        "not_ready": "Принтер дайын емес (қате шамы жанып тұр): өшіріп-қосыңыз да, "
        "«Қайта басу» түймесін басыңыз",
        "failed": "Басып шығару сәтсіз аяқталды: «Қайта басу» түймесін басыңыз; "
        "қайталанса, депоға хабарласыңыз",
    },
}


INSPECTION_LINES: dict[str, dict[str, str]] = {
    "en": {
        "armed": "Inspection: tap the card",
        "armed_console": "Tap the card, phone or code on the validator within {seconds} s",
        "waiting": "Waiting for a card until {until}",
        "cancelled": "Inspection cancelled",
        "read_again": "Inspection: card not read, tap it again",
        "not_valid": "Code NOT valid: forged, damaged or from an unknown issuer",
        "code_expired": "Code expired: ask the passenger to open a fresh code",
        "not_genuine": "Card NOT genuine: it failed authentication",
        "unidentified": "Card not identified: type its number in the console",
        "store_down": "Cannot check: storage fault. Tell the technician",
    },
    "ru": {
        "armed": "Контроль: приложите карту",
        "armed_console": "Приложите карту, телефон или код к валидатору в течение {seconds} с",
        "waiting": "Ждём карту до {until}",
        "cancelled": "Контроль отменён",
        "read_again": "Контроль: карта не прочитана, приложите ещё раз",
        "not_valid": "Код НЕ действителен: подделка, повреждение или неизвестный выпускающий",
        "code_expired": "Код истёк: попросите пассажира открыть новый код",
        "not_genuine": "Карта НЕ подлинная: не прошла проверку подлинности",
        "unidentified": "Карта не опознана: введите её номер на пульте",
        "store_down": "Проверить нельзя: ошибка памяти. Сообщите технику",
    },
    "kk": {
        "armed": "Тексеру: картаны тигізіңіз",
        "armed_console": "Картаны, телефонды немесе кодты {seconds} с ішінде валидаторға тигізіңіз",
        "waiting": "Карта {until} дейін күтіледі",
        "cancelled": "Тексеру тоқтатылды",
        "read_again": "Тексеру: карта оқылмады, қайта тигізіңіз",
        "not_valid": "Код ЖАРАМСЫЗ: жалған, бүлінген немесе белгісіз шығарушы",
        "code_expired": "Кодтың мерзімі өтті: жолаушыдан жаңа код ашуды сұраңыз",
        "not_genuine": "Карта ТҮПНҰСҚА ЕМЕС: түпнұсқалық тексерісінен өтпеді",
        "unidentified": "Карта анықталмады: оның нөмірін пультте теріңіз",
        "store_down": "Тексеру мүмкін емес: жад қатесі. Техникке хабарлаңыз",
    },
}
