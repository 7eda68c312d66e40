// Catalogue table "registers": the operating plan and the registers of issue #18 (inspections,
// feedback, maintenance and proposals, training, equipment and loans).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let registers: [Entry] = [
        // Field problems shown beside a form's input or after a command's option.
        .init("registers.field.required", vi: "Chưa nhập (bắt buộc)", en: "Required"),
        .init("registers.field.too_long", vi: "Dài {length} ký tự, tối đa {max}", en: "{length} characters long, at most {max}"),
        .init("registers.field.control_characters", vi: "Có ký tự điều khiển không hợp lệ", en: "Contains invalid control characters"),
        .init("registers.field.future_date", vi: "Ngày {date} chưa đến", en: "The date {date} is in the future"),
        .init("registers.field.past_date", vi: "Ngày {date} đã qua", en: "The date {date} has passed"),
        .init("registers.field.not_negative", vi: "Không được là số âm", en: "Must not be negative"),
        .init("registers.field.identifier", vi: "Chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang (tối đa 64 ký tự)",
              en: "Use lower-case letters, digits and dashes only (at most 64 characters)"),
        .init("registers.field.bad_date", vi: "“{value}” không phải ngày (dạng 2026-12-05)", en: "“{value}” is not a date (like 2026-12-05)"),
        .init("registers.field.bad_hours", vi: "“{value}” không phải khung giờ (dạng 08:00-12:00, 13:30-18:00)",
              en: "“{value}” is not a list of windows (like 08:00-12:00, 13:30-18:00)"),
        .init("registers.field.bad_choice", vi: "“{value}” không hợp lệ; chọn một trong: {choices}", en: "“{value}” is not valid; choose one of: {choices}"),
        .init("registers.field.bad_number", vi: "“{value}” không phải số nguyên", en: "“{value}” is not a whole number"),
        .init("registers.field.bad_duration", vi: "“{value}” không phải khoảng thời gian (dạng 30m, 2h)", en: "“{value}” is not a duration (like 30m, 2h)"),
        .init("registers.field.unknown_check", vi: "Cụm không có hạng mục giám sát “{check}”", en: "The site has no check “{check}”"),
        .init("registers.inspection.maintenance", vi: "Bảo trì trong đợt kiểm tra số {id}", en: "Maintenance during inspection no. {id}"),
        .init("registers.not_found", vi: "Không tìm thấy {what} số {id}", en: "No {what} number {id}"),
        .init("registers.refused", vi: "Không ghi được: {reason}", en: "Not recorded: {reason}"),
        .init("registers.invalid_input", vi: "Dữ liệu chưa hợp lệ, chưa ghi gì:", en: "Invalid input, nothing was recorded:"),
        .init("registers.what.inspection", vi: "biên bản kiểm tra", en: "inspection"),
        .init("registers.what.action", vi: "việc khắc phục", en: "follow-up action"),
        .init("registers.what.feedback", vi: "ý kiến phản ánh", en: "feedback"),
        .init("registers.what.proposal", vi: "đề xuất", en: "proposal"),
        .init("registers.what.incident", vi: "sự cố", en: "incident"),

        // Operating plan (Tây Trang 7.2.1.b).
        .init("registers.plan.past", vi: "Không thể đặt kế hoạch cho ngày {date} đã qua", en: "Cannot plan {date}: that day has passed"),
        .init("registers.plan.fixed_hours",
              vi: "Cụm này vận hành theo giờ cố định; chỉ có thể ghi ngày tạm ngừng kèm lý do",
              en: "This cluster runs fixed hours; only a closure with its reason can be recorded"),
        .init("registers.plan.not_weekend", vi: "Ngày {date} không phải thứ Bảy, Chủ nhật hay ngày lễ ({source})",
              en: "{date} is not a Saturday, Sunday or holiday ({source})"),
        .init("registers.plan.window_empty", vi: "Khung giờ {window} rỗng (giờ bắt đầu bằng giờ kết thúc)", en: "Window {window} is empty (start equals end)"),
        .init("registers.plan.windows_overlap", vi: "Khung giờ {first} và {second} chồng lên nhau", en: "Windows {first} and {second} overlap"),
        .init("registers.plan.hours_range", vi: "Kế hoạch {planned}; phải từ {min} đến {max} giờ ({source})",
              en: "Planned {planned}; must be {min} to {max} hours ({source})"),
        .init("registers.plan.set", vi: "Kế hoạch vận hành ngày {date}: {hours} ({reason})", en: "Operating plan for {date}: {hours} ({reason})"),
        .init("registers.plan.closed", vi: "Tạm ngừng vận hành ngày {date}: {reason}", en: "Not operated on {date}: {reason}"),
        .init("registers.plan.cleared", vi: "Bỏ kế hoạch ngày {date}; áp dụng lịch mặc định", en: "Plan for {date} removed; the profile's schedule applies"),

        // Inspections (Tây Trang 7.1.3; Vũng Áng 4.1).
        .init("registers.inspection.kind.periodic", vi: "Kiểm tra định kỳ", en: "Periodic inspection"),
        .init("registers.inspection.kind.surprise", vi: "Kiểm tra đột xuất", en: "Surprise inspection"),
        .init("registers.inspection.unknown_item", vi: "“{item}” không có trong danh mục kiểm tra của cụm", en: "“{item}” is not on the site's inspection checklist"),
        .init("registers.inspection.recorded", vi: "{kind} ngày {date} (số {id}): {bodies}", en: "{kind} on {date} (no. {id}): {bodies}"),
        .init("registers.inspection.closed", vi: "Đóng biên bản kiểm tra số {id}", en: "Inspection no. {id} closed"),
        .init("registers.inspection.open_actions", vi: "Còn {count} việc khắc phục chưa xong", en: "{count} follow-up actions not done yet"),
        .init("registers.action.recorded", vi: "Việc khắc phục (kiểm tra số {inspection}): {text} — {owner}, hạn {due}",
              en: "Follow-up action (inspection no. {inspection}): {text} — {owner}, due {due}"),
        .init("registers.action.done", vi: "Đã xong việc khắc phục số {id}", en: "Follow-up action no. {id} done"),

        // Feedback from the public (Tây Trang 7.2.5).
        .init("registers.feedback.subject.operation", vi: "Công tác quản lý, vận hành", en: "Operation"),
        .init("registers.feedback.subject.content", vi: "Nội dung thông tin đăng tải", en: "Content shown"),
        .init("registers.feedback.state.received", vi: "Đã tiếp nhận", en: "Received"),
        .init("registers.feedback.state.forwarded", vi: "Đã chuyển Sở", en: "Forwarded to the Department"),
        .init("registers.feedback.state.answered", vi: "Đã trả lời", en: "Answered"),
        .init("registers.feedback.recorded", vi: "Tiếp nhận ý kiến phản ánh số {id} ({subject}): {text}", en: "Feedback no. {id} received ({subject}): {text}"),
        .init("registers.feedback.forwarded", vi: "Chuyển ý kiến phản ánh số {id} đến Sở Thông tin và Truyền thông",
              en: "Feedback no. {id} forwarded to the Department of Information and Communications"),
        .init("registers.feedback.answered", vi: "Sở trả lời ý kiến phản ánh số {id}: {answer}", en: "The Department answered feedback no. {id}: {answer}"),
        .init("registers.feedback.reminder", vi: "Ý kiến phản ánh số {id} chưa được trả lời sau {age}", en: "Feedback no. {id} is still unanswered after {age}"),
        .init("registers.feedback.wrong_state", vi: "Ý kiến phản ánh số {id} đang ở trạng thái “{state}”", en: "Feedback no. {id} is “{state}”"),
        .init("registers.feedback.overdue", vi: "{count} ý kiến phản ánh chưa được trả lời quá {age}", en: "{count} feedback items unanswered for more than {age}"),

        // Maintenance, repairs, proposals (Tây Trang 7.1.3, 7.2.4).
        .init("registers.maintenance.recorded", vi: "Bảo trì, sửa chữa ngày {date}: {what} — {who}", en: "Maintenance or repair on {date}: {what} — {who}"),
        .init("registers.proposal.kind.maintenance", vi: "Bảo trì", en: "Maintenance"),
        .init("registers.proposal.kind.repair", vi: "Sửa chữa", en: "Repair"),
        .init("registers.proposal.kind.upgrade", vi: "Nâng cấp", en: "Upgrade"),
        .init("registers.proposal.decision.pending", vi: "Chờ Sở quyết định", en: "Awaiting the Department's decision"),
        .init("registers.proposal.decision.approved", vi: "Đã chấp thuận", en: "Approved"),
        .init("registers.proposal.decision.rejected", vi: "Không chấp thuận", en: "Rejected"),
        .init("registers.proposal.recorded", vi: "Đề xuất {kind} số {id}: {text}", en: "{kind} proposal no. {id}: {text}"),
        .init("registers.proposal.decided", vi: "Sở quyết định đề xuất số {id}: {decision}", en: "The Department decided proposal no. {id}: {decision}"),

        // Training (Tây Trang 7.1.4, 7.2.6; Vũng Áng 4.4).
        .init("registers.training.recorded", vi: "Tập huấn ngày {date}: {topic} ({count} người tham gia)", en: "Training on {date}: {topic} ({count} attendees)"),

        // Equipment and loans (Tây Trang 2.2).
        .init("registers.equipment.state.working", vi: "Hoạt động tốt", en: "Working"),
        .init("registers.equipment.state.faulty", vi: "Hỏng", en: "Faulty"),
        .init("registers.equipment.state.under_repair", vi: "Đang sửa chữa", en: "Under repair"),
        .init("registers.equipment.state.retired", vi: "Thanh lý", en: "Retired"),
        .init("registers.equipment.recorded", vi: "Thiết bị {item}: {name} ({state})", en: "Equipment {item}: {name} ({state})"),
        .init("registers.loan.not_lendable", vi: "Thiết bị {item} không thuộc loại cho mượn", en: "Equipment {item} is not lendable"),
        .init("registers.loan.not_working", vi: "Thiết bị {item} không ở trạng thái hoạt động tốt", en: "Equipment {item} is not in working order"),
        .init("registers.loan.unknown_item", vi: "Không có thiết bị “{item}”", en: "No equipment “{item}”"),
        .init("registers.loan.already_out", vi: "Thiết bị {item} đang cho {borrower} mượn", en: "Equipment {item} is out with {borrower}"),
        .init("registers.loan.lent", vi: "Cho mượn {item}: {borrower} — {purpose}", en: "{item} lent to {borrower} — {purpose}"),
        .init("registers.loan.returned", vi: "Đã nhận lại {item} từ {borrower}", en: "{item} returned by {borrower}"),
        .init("registers.loan.not_out", vi: "Thiết bị {item} không có ai đang mượn", en: "Equipment {item} is not out on loan"),
    ]
}
